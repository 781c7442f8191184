"""The fitted clarity model (written by fixtures/clarity/fit.py; do not edit by hand).

Predicted VMAF = INTERCEPT + sum(WEIGHTS[i] * input i), inputs named by INPUTS (of
``metrics.clarity.CANDIDATE_INPUTS``); fitted on 32 encodes of ladder.csv.
"""

INPUTS = ('log1p_sharpness', 'height_fraction', 'detail_ratio')
INTERCEPT = 40.479537
WEIGHTS = (3.624513, 42.358820, 8.507351)
