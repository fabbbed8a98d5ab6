"""The reference's model input for an ordinary (8-bit RGB) picture, step by step.

BiomedParse's read_rgb, as the project's notes describe it (../../README.md, "Model input"): PIL
convert('RGB'), pad to square with zeros (floor((long - short) / 2) on each side of the short axis),
then each channel resized on its own with scikit-image's
resize(order=3, mode='constant', anti_aliasing=True, preserve_range=True) to 1024x1024, and
truncated to uint8. Run with Debian's python3-skimage 0.19.3 / scipy 1.10 / numpy 1.24, the
versions the reference ran with.

usage: reference_rgb.py IMAGE OUT   (writes 1024*1024*3 bytes, row-major RGB, to OUT)
"""
import sys

import numpy as np
from PIL import Image
from skimage import transform


def read_rgb(path):
    return model_input_rgb(np.array(Image.open(path).convert('RGB')))


def model_input_rgb(image):
    """The steps after reading: an HxWx3 uint8 array to the 1024x1024x3 uint8 model input."""
    height, width = image.shape[:2]
    pad = abs(height - width) // 2
    if height > width:
        pad_width = ((0, 0), (pad, pad), (0, 0))
    else:
        pad_width = ((pad, pad), (0, 0), (0, 0))
    image = np.pad(image, pad_width, 'constant', constant_values=0)
    channels = [
        transform.resize(image[:, :, c], (1024, 1024), order=3, mode='constant',
                         preserve_range=True, anti_aliasing=True)
        for c in range(3)
    ]
    return np.stack(channels, axis=-1).astype(np.uint8)


if __name__ == '__main__':
    read_rgb(sys.argv[1]).tofile(sys.argv[2])
