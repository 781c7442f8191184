"""The fitted clarity models (written by fixtures/clarity/fit.py; do not edit by hand).

Fitted on 312 encodes of 13 sources (fixtures/clarity/corpus.py); per VMAF
model and tier, the inputs and ridge penalty chosen by forward selection on
leave-one-source-out RMSE (the RMSE in VMAF points is noted with each).
"""

from metrics.clarity.model import LinearModel

MODELS = {
    'vmaf': {
        # penalty 30, leave-one-source-out RMSE 20.41
        'picture': LinearModel(
            names=('height_fraction', 'vp8'),
            intercept=-2.583796,
            weights=(3.751106, 0.825381)),
        # penalty 0.3, leave-one-source-out RMSE 14.14
        'bitrate': LinearModel(
            names=('height_fraction', 'log2_bits_per_pixel', 'vp8', 'log2_height_fraction'),
            intercept=7.571436,
            weights=(-1.774974, 0.971744, 0.567270, 2.266742)),
        # penalty 30, leave-one-source-out RMSE 10.37
        'bitstream': LinearModel(
            names=('quantiser_log2', 'log2_height_fraction', 'quantiser_log2_x_vp8', 'log2_bits_per_pixel_x_fraction'),
            intercept=5.232104,
            weights=(-0.781794, 1.368568, 0.121331, 0.168464)),
    },
    'phone': {
        # penalty 3, leave-one-source-out RMSE 21.68
        'picture': LinearModel(
            names=('height_fraction', 'vp8'),
            intercept=-2.579912,
            weights=(5.276246, 1.059119)),
        # penalty 0.3, leave-one-source-out RMSE 14.19
        'bitrate': LinearModel(
            names=('log2_bits_per_pixel', 'log2_height_fraction', 'vp8', 'log2_bits_per_pixel_x_fraction', 'log_noise', 'log_sharpness'),
            intercept=5.906407,
            weights=(1.028281, 2.537916, 0.662690, 0.284797, -1.038681, 0.424751)),
        # penalty 3, leave-one-source-out RMSE 10.35
        'bitstream': LinearModel(
            names=('quantiser_log2', 'log2_height_fraction', 'quantiser_log2_x_vp8', 'log2_bits_per_pixel_x_fraction'),
            intercept=8.507482,
            weights=(-0.952014, 2.303536, 0.152841, 0.400894)),
    },
}
