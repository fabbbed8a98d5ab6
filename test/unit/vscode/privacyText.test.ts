import assert from 'node:assert/strict';
import {
  hasNoDicomTags,
  isUntaggedRasterName,
  privacyConfirmationKey,
  privacyDetail,
} from '../../../src/vscode/privacyText';

describe('"what leaves this machine" confirmation', () => {
  it('warns that an image without DICOM tags may show identity in its pixels', () => {
    const text = privacyDetail({ untagged: true });
    assert.match(text, /What leaves this machine/);
    assert.match(text, /no DICOM tags, so nothing marks text burned into it/);
    assert.match(text, /name, birth date or record number in the pixels/);
    assert.doesNotMatch(privacyDetail({ untagged: false }), /no DICOM tags, so nothing marks/);
  });

  it('treats PNG, JPEG and NIfTI as untagged and DICOM as tagged', () => {
    assert.equal(hasNoDicomTags({ format: 'raster' }), true);
    assert.equal(hasNoDicomTags({ format: 'nifti' }), true);
    assert.equal(hasNoDicomTags({ format: 'dicom' }), false);
    assert.equal(isUntaggedRasterName('/w/endoscopy frame.JPG'), true);
    assert.equal(isUntaggedRasterName('/w/ct.dcm'), false);
  });

  it('asks once more for the first untagged image even after DICOM files were confirmed', () => {
    assert.notEqual(privacyConfirmationKey('prod', true), privacyConfirmationKey('prod', false));
    assert.equal(privacyConfirmationKey('prod', false), 'medimageparse.privacyConfirmed.prod');
  });
});
