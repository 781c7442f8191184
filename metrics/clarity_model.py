"""The fitted clarity model (written by fixtures/clarity/fit.py; do not edit by hand).

Predicted VMAF = INTERCEPT + sum(WEIGHTS[i] * input i), inputs named by INPUTS (of
``metrics.clarity.CANDIDATE_INPUTS``); fitted on 32 encodes of ladder-b.csv.
"""

INPUTS = ('log1p_sharpness', 'height_fraction', 'detail_ratio')
INTERCEPT = 21.849900
WEIGHTS = (5.623183, 39.822700, 9.001793)
