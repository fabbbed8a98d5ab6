import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvField, parseCsvRecord, readRecord, scanCsvRecords } from '../../../src/batch/batchEndpoint/csv';
import { readCsv } from '../../support/batchSimulator';

/**
 * The streaming CSV reader of predictions.csv: records found wherever the read chunks split them
 * (inside quotes, between a doubled quote, between \r and \n), long fields measured not kept, and
 * each record read back whole to the same fields an independent parser gives.
 */
describe('batch CSV reading', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-batch-csv-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const records = [
    [
      '0',
      '{"data": "QUJD", "shape": [1, 1, 3], "dtype": "uint8"}',
      "['liver', 'kidney']",
      'batch_input_001.csv',
    ],
    ['1', 'plain', "['it\\'s, \"odd\"']", 'batch_input_002.csv'],
    ['12', '', 'line\nbreak', 'x'],
    ['3', '"', '""', ','],
  ];

  for (const eol of ['\n', '\r\n'])
    it(`finds the same records at every chunk size (${JSON.stringify(eol)} line ends)`, async () => {
      const text = records.map((r) => r.map(csvField).join(',')).join(eol) + eol;
      const file = path.join(tmp, 'p.csv');
      fs.writeFileSync(file, text);
      assert.deepEqual(
        readCsv(text.replace(/\r\n/g, '\n')),
        records,
        'the independent parser reads what csvField wrote',
      );
      for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1 << 20]) {
        const found = [];
        for await (const r of scanCsvRecords(file, { chunkBytes, keepBytes: 8 })) found.push(r);
        assert.equal(found.length, records.length, `chunk ${chunkBytes}`);
        for (const [i, r] of found.entries()) {
          assert.equal(r.number, i + 1);
          assert.equal(r.unterminated, false);
          assert.equal(r.fields[0], records[i][0], `chunk ${chunkBytes}: column 0 of record ${i + 1}`);
          assert.equal(r.fields.length, 4);
          // Long fields are measured, not kept; short ones are kept exactly.
          assert.equal(r.fields[3], records[i][3].length <= 8 ? records[i][3] : undefined);
          assert.deepEqual(
            parseCsvRecord(await readRecord(file, r.start, r.end)),
            records[i],
            `chunk ${chunkBytes}, record ${i + 1}`,
          );
        }
      }
    });

  it('reports a record cut short inside quotes, and reads a last record without a line end', async () => {
    const file = path.join(tmp, 'p.csv');
    fs.writeFileSync(file, '0,a,b\n1,"never closed');
    const found = [];
    for await (const r of scanCsvRecords(file, { chunkBytes: 3 })) found.push(r);
    assert.deepEqual(
      found.map((r) => [r.fields[0], r.unterminated]),
      [
        ['0', false],
        ['1', true],
      ],
    );
    fs.writeFileSync(file, '0,a,b\n\n5,c,d');
    const again = [];
    for await (const r of scanCsvRecords(file)) again.push(r.fields);
    assert.deepEqual(again, [['0', 'a', 'b'], [''], ['5', 'c', 'd']]);
  });
});
