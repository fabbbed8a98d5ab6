"""Reference decodes for the corpus tests (test/unit/imaging/corpus.test.ts).

Reads a JSON list of cases on stdin, each {"file", "kind": "dicom" | "nifti", "slice", "frame",
"modelInput"}, and writes for case i the values the project's decoder should give to OUT/i.f64
(float64, row-major, colour interleaved) and, with "modelInput", the reference model input of a
colour image to OUT/i.rgb. Prints one JSON line per case: {"ok": true, "width", "height",
"channels"} or {"ok": false, "error"}.

- DICOM: pydicom's pixel_array (its numpy, RLE, Pillow and GDCM handlers), frame `frame`; YBR
  converted to RGB with pydicom's convert_color_space; Modality LUT (rescale) applied; RT Dose
  scaled by DoseGridScaling. MONOCHROME1 is inverted within the stored range first, a deliberate
  departure of the project (README: "Departures from the reference").
- NIfTI: nibabel's get_fdata() (scl_slope / scl_inter applied), slice `slice` as
  volume[:, :, slice] (time point `frame` of a 4D volume). NaN stays NaN here: the viewer shows
  it as it is, only the model input takes it as 0.
- Colour model input: the reference's read_rgb steps on those RGB values (reference_rgb.py).

usage: corpus_reference.py OUT < cases.json
"""
import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def dicom_values(case):
    import pydicom
    from pydicom.pixel_data_handlers import numpy_handler, rle_handler, pillow_handler
    from pydicom.pixel_data_handlers.util import apply_modality_lut, convert_color_space

    handlers = [numpy_handler, rle_handler, pillow_handler]
    try:
        from pydicom.pixel_data_handlers import gdcm_handler
        handlers.append(gdcm_handler)
    except ImportError:
        pass
    pydicom.config.pixel_data_handlers = handlers
    ds = pydicom.dcmread(case['file'], force=True)
    if 'TransferSyntaxUID' not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = (
            pydicom.uid.ImplicitVRLittleEndian if ds.is_implicit_VR else pydicom.uid.ExplicitVRLittleEndian)
    arr = ds.pixel_array
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    if frames > 1:
        arr = arr[case.get('frame') or 0]
    photometric = str(ds.PhotometricInterpretation).strip().upper()
    if 'YBR_FULL' in photometric and arr.ndim == 3:
        arr = convert_color_space(arr, photometric, 'RGB')
    arr = arr.astype(np.float64)
    if photometric == 'MONOCHROME1':
        if int(ds.PixelRepresentation) == 1:
            arr = -1 - arr
        else:
            arr = (2 ** int(ds.BitsStored) - 1) - arr
    if arr.ndim == 2:
        arr = apply_modality_lut(arr, ds).astype(np.float64)
        if str(getattr(ds, 'Modality', '')).strip() == 'RTDOSE' and 'DoseGridScaling' in ds:
            arr = arr * float(ds.DoseGridScaling)
    return arr


def nifti_values(case):
    import nibabel

    img = nibabel.load(case['file'])
    # The array proxy applies scl_slope / scl_inter as get_fdata() does; indexing it first reads
    # only the slice and time point asked for.
    index = (slice(None), slice(None))
    if len(img.shape) >= 3:
        index += (case.get('slice') or 0,)
    if len(img.shape) >= 4:
        index += (case.get('frame') or 0,)
    return np.asarray(img.dataobj[index], dtype=np.float64)


def main():
    out = sys.argv[1]
    cases = json.load(sys.stdin)
    warnings.simplefilter('ignore')
    for i, case in enumerate(cases):
        try:
            arr = dicom_values(case) if case['kind'] == 'dicom' else nifti_values(case)
            channels = arr.shape[2] if arr.ndim == 3 else 1
            np.ascontiguousarray(arr, dtype=np.float64).tofile(os.path.join(out, f'{i}.f64'))
            if case.get('modelInput') and channels == 3:
                from reference_rgb import model_input_rgb
                model_input_rgb(arr.astype(np.uint8)).tofile(os.path.join(out, f'{i}.rgb'))
            print(json.dumps({'ok': True, 'width': int(arr.shape[1]), 'height': int(arr.shape[0]),
                              'channels': int(channels)}), flush=True)
        except Exception as error:  # noqa: BLE001 - reported to the test, which decides
            print(json.dumps({'ok': False, 'error': f'{type(error).__name__}: {error}'}), flush=True)


if __name__ == '__main__':
    main()
