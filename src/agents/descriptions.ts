/**
 * What each agent tool does, written for a language model choosing and filling in a tool: shared
 * by the MCP server and VS Code's language-model tools (package.json repeats them, and a unit
 * test keeps the two equal).
 */
export const TOOL_DESCRIPTIONS = {
  parse:
    'Segment named targets in one biomedical image (CT, MRI, X-ray, pathology, ultrasound, endoscopy, dermoscopy, fundus, OCT; DICOM, NIfTI, PNG, JPEG, TIFF) with MedImageParse. Returns per target its area in pixels and mm², the number of instances and their bounding boxes, and a validity verdict (an adjusted p-value: "likely-absent" means the target is probably not in the image). Writes one mask per target and a report next to the image, and returns an overlay picture. Sends only the pixels of the image to the configured endpoint. Research use only, not for diagnosis.',
  recognize:
    'Find every object MedImageParse knows for a modality key (for example all abdominal organs in a CT-Abdomen image) in one image, keeping only those the validity check accepts and resolving overlaps. Returns the objects found with their areas, instances and boxes, writes a label map and report next to the image, and returns an overlay picture. Research use only.',
  targets:
    'List the recommended target names MedImageParse was trained on, by modality and anatomic site (for example CT · abdomen: liver, kidney, spleen …), and the modality keys used by the validity check. Use it to choose valid targets before calling parse. Reads nothing and sends nothing.',
  inspect:
    'Describe a biomedical image file or DICOM series folder without sending it anywhere: format, width and height, number of slices and frames, voxel spacing in mm, orientation (RAS affine) and the modality recorded in the file. Use it to decide which slice to parse and which modality key applies.',
} as const;
