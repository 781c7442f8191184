"""The fitted clarity model (written by fixtures/clarity/fit.py; do not edit by hand).

Predicted VMAF = INTERCEPT + sum(WEIGHTS[i] * input i), inputs named by INPUTS (of
``metrics.clarity.CANDIDATE_INPUTS``); fitted on 32 encodes of ladder.csv.
"""

INPUTS = ('log1p_sharpness', 'height_fraction', 'detail_ratio')
INTERCEPT = 32.191808
WEIGHTS = (1.253880, 55.119092, 6.692469)
