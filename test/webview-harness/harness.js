/* global window, document, location, sessionStorage, fetch, URLSearchParams */
// (Browser globals: parts of this file run in the page.)
// The fake extension host for the harness page: provides acquireVsCodeApi (state in
// sessionStorage so reloads restore like VS Code does), answers `ready` with an `init` built from
// a real sample, `run`/`recognize` with results built from its reference masks, `cancel`,
// `restoreResult`. Query: theme=dark|light|high-contrast, sample=<demo name>, format=dicom|raster16
// (pretends the PNG is CT in HU), canSend=0, xss=1 (hostile strings everywhere), bench=1
// (16 synthetic 1024² masks).
(() => {
  const params = new URLSearchParams(location.search);
  window.__applyHarnessTheme(params.get('theme') || 'dark');
  const sample = params.get('sample') || '06_CT_abdomen';
  const asDicom = params.get('format') === 'dicom';
  // A 16-bit grey raster (a PNG X-ray): values 3000–54000 plus a few saturated marker pixels.
  const as16 = params.get('format') === 'raster16';
  const xss = params.get('xss') === '1';
  const bench = params.get('bench') === '1';
  const canSend = params.get('canSend') !== '0';
  // slices=N: the image is slice 0 of N, and each slice asked for arrives after sliceDelay ms
  // (a slow host decoding slices one request at a time).
  const sliceCount = Number(params.get('slices') || 0);
  const sliceDelay = Number(params.get('sliceDelay') || 0);
  const PROBE = '<img src=x onerror="window.__xss=(window.__xss||0)+1"><script>window.__xss=99</script>';
  const posted = [];
  const STATE_KEY = 'mip-harness-state';
  const RESULTS_KEY = 'mip-harness-results';
  const send = (msg) => window.postMessage(msg, '*');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  let acquired = 0;
  window.acquireVsCodeApi = () => {
    if (acquired++) throw new Error('acquireVsCodeApi may only be called once');
    return {
      postMessage: (m) => {
        posted.push(m);
        onMessage(m).catch((e) => console.error('harness', e));
      },
      getState: () => JSON.parse(sessionStorage.getItem(STATE_KEY) || 'null'),
      setState: (s) => sessionStorage.setItem(STATE_KEY, JSON.stringify(s)),
    };
  };

  // ---- data ----
  const dataP = bench ? synthetic() : loadSample();

  async function loadSample() {
    const meta = await (await fetch(`/data/${sample}/meta.json`)).json();
    let pixels = new Float32Array(await (await fetch(`/data/${sample}/image.bin`)).arrayBuffer());
    if (asDicom) pixels = pixels.map((v) => (v / 255) * 400 - 150); // the abdomen window, inverted: HU
    if (as16) pixels = pixels.map((v, i) => (i % 5000 === 0 ? 65535 : 3000 + v * 200));
    const masks = {};
    for (const t of meta.targets)
      masks[t] = new Uint8Array(
        await (await fetch(`/data/${sample}/mask.bin?target=${encodeURIComponent(t)}`)).arrayBuffer(),
      );
    return { ...meta, pixels, masks };
  }

  function synthetic() {
    const W = 1024;
    const H = 1024;
    const pixels = new Float32Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        pixels[y * W + x] = 40 + 120 * Math.sin(x / 90) * Math.cos(y / 70) + ((x * 7 + y * 13) % 17);
    const masks = {};
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 16; k++) {
      const m = new Uint8Array(W * H);
      // A low noise floor everywhere, as real probability maps have, plus 2 smooth blobs.
      for (let i = 0; i < m.length; i++) m[i] = rnd() < 0.3 ? 1 + ((i * 31) & 3) : 0;
      for (let b = 0; b < 2; b++) {
        const cx = 120 + rnd() * 784;
        const cy = 120 + rnd() * 784;
        const rx = 60 + rnd() * 110;
        const ry = 60 + rnd() * 110;
        for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(H, cy + ry); y++)
          for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(W, cx + rx); x++) {
            const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
            if (d < 1) m[y * W + x] = Math.max(m[y * W + x], Math.round(255 * (1 - d)));
          }
      }
      masks[`target ${k + 1}`] = m;
    }
    return Promise.resolve({
      sample: 'synthetic',
      fileName: 'synthetic-1024.png',
      width: W,
      height: H,
      channels: 1,
      targets: Object.keys(masks),
      pixels,
      masks,
    });
  }

  function viewerImage(d) {
    const fileName = xss ? `${PROBE}${d.fileName}` : d.fileName;
    const [modality, site] = d.sample.split('_').slice(1);
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.pixels) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // As the host does for deep rasters (src/editors/viewerWindow.ts): the 0.5–99.5 percentiles
    // of the positive values.
    const percentileWindow = () => {
      const v = Float32Array.from(d.pixels.filter((x) => x > 0)).sort();
      const at = (q) => v[Math.round((q / 100) * (v.length - 1))];
      return { lower: at(0.5), upper: at(99.5) };
    };
    return {
      fileName,
      format: asDicom ? 'dicom' : 'raster',
      ...(as16 ? { bitsStored: 16 } : {}),
      width: d.width,
      height: d.height,
      channels: d.channels,
      pixels: d.pixels,
      range: { min, max },
      defaultWindow: asDicom ? { lower: -150, upper: 250 } : as16 ? percentileWindow() : undefined,
      pixelSpacing: asDicom ? [0.7, 0.7] : undefined,
      // suggest=image: as the host says of a file with a silent name, guessed from its pixels.
      suggestion:
        params.get('suggest') === 'image'
          ? {
              modality: 'X-Ray',
              site: 'chest',
              source: 'image',
              confidence: 0.7,
              reason: 'grey, little black background',
            }
          : { modality, site },
      burnedInAnnotation: asDicom,
      ...(sliceCount > 1 ? { slice: { index: 0, count: sliceCount } } : {}),
    };
  }

  // ---- results ----
  const STATUS = { gallbladder: ['likely-absent', 0.012], duodenum: ['not-assessed', null] };

  function components(mask, W, H) {
    const seen = new Uint8Array(mask.length);
    const out = [];
    const stack = new Int32Array(mask.length);
    for (let p = 0; p < mask.length; p++) {
      if (mask[p] < 128 || seen[p]) continue;
      let top = 0;
      stack[top++] = p;
      seen[p] = 1;
      let n = 0,
        sx = 0,
        sy = 0,
        x0 = W,
        y0 = H,
        x1 = 0,
        y1 = 0;
      while (top) {
        const q = stack[--top];
        const x = q % W;
        const y = (q / W) | 0;
        n++;
        sx += x;
        sy += y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        for (const r of [
          x > 0 ? q - 1 : -1,
          x < W - 1 ? q + 1 : -1,
          y > 0 ? q - W : -1,
          y < H - 1 ? q + W : -1,
        ])
          if (r >= 0 && !seen[r] && mask[r] >= 128) {
            seen[r] = 1;
            stack[top++] = r;
          }
      }
      if (n >= 10)
        out.push({
          bbox: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 },
          area: n,
          centroid: { x: sx / n, y: sy / n },
        });
    }
    return out;
  }

  function targetResult(d, prompt, i) {
    const mask = d.masks[prompt] || d.masks[prompt.toLowerCase()] || new Uint8Array(d.width * d.height);
    const comps = components(mask, d.width, d.height);
    const area = comps.reduce((a, c) => a + c.area, 0);
    const [status, pValue] =
      area === 0 ? ['not-found', null] : STATUS[prompt] || ['valid', 0.2 + ((i * 37) % 60) / 100];
    return {
      target: prompt,
      label: xss ? `${PROBE}${prompt}` : prompt,
      mask,
      status,
      pValue,
      area,
      components: comps,
    };
  }

  async function buildResult(id, spec) {
    const d = await dataP;
    const base = {
      id,
      source: bench ? 'endpoint' : 'demo-reference',
      endpointName: xss ? PROBE : bench ? 'bench' : 'demo',
      modality: spec.modality,
      site: spec.site,
      time: new Date(spec.time).toISOString(),
      width: d.width,
      height: d.height,
    };
    if (spec.kind === 'recognition') {
      const labels = d.targets.filter((t) => !/^(kidney|adrenal gland)$/.test(t));
      const labelMap = new Uint8Array(d.width * d.height);
      const best = new Uint8Array(d.width * d.height);
      labels.forEach((t, i) => {
        const m = d.masks[t];
        for (let p = 0; p < m.length; p++)
          if (m[p] >= 128 && m[p] > best[p]) {
            best[p] = m[p];
            labelMap[p] = i + 1;
          }
      });
      return {
        ...base,
        kind: 'recognition',
        modalityKey: spec.modalityKey,
        prompts: labels,
        targets: labels.map((t, i) => targetResult(d, t, i)),
        labelMap,
        labels,
      };
    }
    return {
      ...base,
      kind: 'parse',
      prompts: spec.prompts,
      targets: spec.prompts.map((p, i) => targetResult(d, p, i)),
    };
  }

  const results = () => JSON.parse(sessionStorage.getItem(RESULTS_KEY) || '{}');
  let resultCount = Object.keys(results()).length;
  const cancelled = new Set();

  async function runJob(runId, spec) {
    const slow = spec.prompts?.some((p) => p === 'slow');
    send({ type: 'runProgress', runId, message: 'Preparing the model input…', increment: 20 });
    await sleep(slow ? 4000 : 120);
    if (cancelled.has(runId)) return;
    if (spec.prompts?.some((p) => p === 'fail')) {
      send({
        type: 'runError',
        runId,
        error: {
          message: xss
            ? `The endpoint answered 401 ${PROBE}`
            : 'The endpoint answered 401 Unauthorized: the key was rejected. Set a new key or pick another endpoint.',
          action: { label: 'Select Endpoint', command: 'selectEndpoint' },
        },
      });
      return;
    }
    send({ type: 'runProgress', runId, message: 'Waiting for the endpoint…', increment: 50 });
    await sleep(120);
    if (cancelled.has(runId)) return;
    const id = `res-${++resultCount}`;
    const stored = results();
    stored[id] = spec;
    sessionStorage.setItem(RESULTS_KEY, JSON.stringify(stored));
    send({ type: 'runResult', runId, result: await buildResult(id, spec) });
  }

  async function onMessage(m) {
    switch (m.type) {
      case 'ready': {
        const d = await dataP;
        send({
          type: 'init',
          image: viewerImage(d),
          settings: JSON.parse(document.getElementById('app').dataset.settings),
          endpoint: canSend
            ? { name: xss ? PROBE : 'demo', isDemo: true, canSend: true }
            : {
                name: 'demo',
                isDemo: true,
                canSend: false,
                reason: xss
                  ? PROBE
                  : 'Restricted Mode: nothing is sent to an endpoint until you trust this workspace.',
              },
          lastSelection: bench ? {} : { CT: ['liver', 'spleen'] },
        });
        break;
      }
      case 'run':
        runJob(m.runId, {
          kind: 'parse',
          prompts: m.prompts,
          modality: m.modality,
          site: m.site,
          time: Date.now(),
        });
        break;
      case 'recognize':
        runJob(m.runId, { kind: 'recognition', modalityKey: m.modalityKey, time: Date.now() });
        break;
      case 'cancel':
        cancelled.add(m.runId);
        send({
          type: 'runError',
          runId: m.runId,
          error: { message: 'Cancelled. Nothing was kept from this run.' },
        });
        break;
      case 'restoreResult': {
        const spec = results()[m.resultId];
        if (spec) send({ type: 'showResult', result: await buildResult(m.resultId, spec) });
        break;
      }
      case 'selectSlice':
        if (sliceCount > 1 && m.slice !== undefined) {
          const d = await dataP;
          await sleep(sliceDelay);
          send({ type: 'image', image: { ...viewerImage(d), slice: { index: m.slice, count: sliceCount } } });
        }
        break;
      case 'export':
        send({
          type: 'exported',
          folder: '/tmp/06_CT_abdomen.medimageparse',
          files: ['masks.png', 'result.json'],
        });
        break;
      default:
        break;
    }
  }

  window.__harness = {
    posted,
    send,
    setTheme: (n) => window.__applyHarnessTheme(n),
    data: () => dataP,
    buildResult,
  };
})();
