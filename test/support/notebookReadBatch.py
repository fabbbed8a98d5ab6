"""Reads batch-endpoint files the way Microsoft's mip-deploy-batch-endpoint.ipynb does.

Usage: python3 notebookReadBatch.py inputs <batch_input.csv>...   (one JSON line per row)
       python3 notebookReadBatch.py predictions <predictions.csv>  (one JSON line per row)

Inputs: pandas.read_csv of each file (the batch deployment's reader), then the image column
base64-decoded and opened with PIL into a numpy array. Predictions: pandas.read_csv(header=None),
image_features from column 1 through the notebook's parse_image (json.loads, base64, np.frombuffer,
reshape) and text_features from column 2 through its parse_labels (json.loads after swapping
quotes). Prints hashes of the arrays, so the test compares pixels without moving them around.
"""
import base64
import hashlib
import io
import json
import sys

import numpy as np
import pandas as pd
from PIL import Image


def parse_image(json_encoded):
    array_metadata = json.loads(json_encoded)
    base64_encoded = array_metadata["data"]
    shape = tuple(array_metadata["shape"])
    dtype = np.dtype(array_metadata["dtype"])
    array_bytes = base64.b64decode(base64_encoded)
    return np.frombuffer(array_bytes, dtype=dtype).reshape(shape)


def parse_labels(s):
    return json.loads(s.replace("'", '"'))


def main():
    kind, files = sys.argv[1], sys.argv[2:]
    if kind == "inputs":
        for path in files:
            df = pd.read_csv(path)
            for index in range(len(df)):
                row = df.iloc[index]
                image = np.array(Image.open(io.BytesIO(base64.b64decode(row["image"]))).convert("RGB"))
                print(json.dumps({
                    "file": path,
                    "index": int(df.index[index]),
                    "unnamed": int(row["Unnamed: 0"]),
                    "columns": list(df.columns),
                    "shape": list(image.shape),
                    "dtype": str(image.dtype),
                    "sha256": hashlib.sha256(image.tobytes()).hexdigest(),
                    "text": row["text"],
                }))
    else:
        df_result = pd.read_csv(files[0], header=None)
        for index in range(len(df_result)):
            result = df_result.iloc[index]
            features = parse_image(result.iloc[1])
            labels = parse_labels(result.iloc[2].replace("'", '"'))
            print(json.dumps({
                "position": int(result.iloc[0]),
                "file": str(result.iloc[3]) if len(result) > 3 else None,
                "shape": list(features.shape),
                "sha256": hashlib.sha256(features.tobytes()).hexdigest(),
                "labels": labels,
            }))


main()
