// The page of unet-serve: a photo in, its label mask drawn over it in
// unet-infer(1)'s palette, a legend of the categories found with their
// share, downloads of the mask and of the submission rows. No framework,
// nothing fetched but from this server.
"use strict";

const $ = (id) => document.getElementById(id);
let model = null;       // GET /v1/model
let current = null;     // { blob, name, maskUrl }

function stem(name) {
  const base = name.replace(/^.*[\\/]/, "");
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

// The server's {"error": ...} or the status line.
async function failure(res) {
  try { return (await res.json()).error; } catch (e) { return res.status + " " + res.statusText; }
}

function hexRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

async function segment(format, blob, name) {
  const form = new FormData();
  form.append("photo", blob, name);
  const q = format === "csv" ? "?format=csv&id=" + encodeURIComponent(name) : "?format=" + format;
  const res = await fetch("/v1/segment" + q, { method: "POST", body: form });
  if (!res.ok) throw new Error(await failure(res));
  return res.blob();
}

// The labels of a grey PNG, one byte a pixel, without colour management.
async function labelsOf(maskBlob) {
  const bmp = await createImageBitmap(maskBlob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const g = c.getContext("2d");
  g.drawImage(bmp, 0, 0);
  const rgba = g.getImageData(0, 0, bmp.width, bmp.height).data;
  const labels = new Uint8Array(bmp.width * bmp.height);
  for (let p = 0; p < labels.length; p++) labels[p] = rgba[4 * p];
  return { width: bmp.width, height: bmp.height, labels };
}

function drawOverlay(m) {
  const canvas = $("overlay");
  canvas.width = m.width;
  canvas.height = m.height;
  const g = canvas.getContext("2d");
  const img = g.createImageData(m.width, m.height);
  const colours = model.categories.map((c) => hexRgb(c.colour));
  for (let p = 0; p < m.labels.length; p++) {
    const c = colours[m.labels[p] - 1];
    if (m.labels[p] === 0 || !c) continue;
    img.data.set(c, 4 * p);
    img.data[4 * p + 3] = 255;
  }
  g.putImageData(img, 0, 0);
}

function drawLegend(m) {
  const count = new Map();
  for (const l of m.labels) count.set(l, (count.get(l) || 0) + 1);
  const rows = [...count.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const body = $("legend").tBodies[0];
  body.replaceChildren();
  for (const [label, n] of rows) {
    const cat = label === 0 ? { name: "background", colour: model.background } :
      model.categories[label - 1] || { name: "label " + label, colour: "#ffffff" };
    const tr = document.createElement("tr");
    tr.dataset.label = label;
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = cat.colour;
    const cells = [sw, cat.name, (100 * n / m.labels.length).toFixed(1) + "%"];
    for (const c of cells) {
      const td = document.createElement("td");
      td.append(c);
      tr.append(td);
    }
    body.append(tr);
  }
}

async function show(blob, name) {
  $("result").hidden = false;
  if (current && current.maskUrl) URL.revokeObjectURL(current.maskUrl);
  current = { blob, name, maskUrl: null };
  $("photo").src = URL.createObjectURL(blob);
  $("legend").tBodies[0].replaceChildren();
  $("overlay").getContext("2d").clearRect(0, 0, $("overlay").width, $("overlay").height);
  status("segmenting " + name + "…");
  const t0 = performance.now();
  try {
    const mask = await segment("png", blob, name);
    const m = await labelsOf(mask);
    drawOverlay(m);
    drawLegend(m);
    current.maskUrl = URL.createObjectURL(mask);
    $("mask-link").href = current.maskUrl;
    $("mask-link").download = stem(name) + ".png";
    status(name + ": " + m.width + "×" + m.height + ", segmented in " +
      Math.round(performance.now() - t0) + " ms");
    document.body.dataset.state = "done";
  } catch (e) {
    status(name + ": " + e.message, true);
    document.body.dataset.state = "error";
  }
}

async function downloadRows() {
  if (!current) return;
  try {
    const csv = await segment("csv", current.blob, current.name);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(csv);
    a.download = stem(current.name) + ".csv";
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } catch (e) {
    status(current.name + ": " + e.message, true);
  }
}

function wire() {
  const drop = $("drop");
  $("file").addEventListener("change", (e) => {
    const f = e.target.files[0];
    if (f) show(f, f.name);
  });
  for (const ev of ["dragenter", "dragover"])
    drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const ev of ["dragleave", "drop"])
    drop.addEventListener(ev, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const f = e.dataTransfer.files[0];
    if (f) show(f, f.name);
  });
  $("opacity").addEventListener("input", (e) => {
    $("overlay").style.opacity = e.target.value / 100;
    $("opacity-value").textContent = e.target.value + "%";
  });
  $("rows-button").addEventListener("click", downloadRows);
}

async function start() {
  wire();
  try {
    const res = await fetch("/v1/model");
    model = await res.json();
    const miou = model.val_miou === null ? "" : ", validation mean IoU " + model.val_miou.toFixed(3);
    $("model").textContent = "U-Net " + model.size + "×" + model.size + ", " + model.filters +
      " filters, depth " + model.depth + ", " + model.categories.length + " categories, epoch " +
      model.epoch + miou;
    const s = await (await fetch("/v1/samples")).json();
    for (const url of s.samples) {
      const b = document.createElement("button");
      b.type = "button";
      b.title = url.replace(/^.*\//, "");
      const img = document.createElement("img");
      img.src = url;
      img.alt = "sample " + b.title;
      b.append(img);
      b.addEventListener("click", async () => show(await (await fetch(url)).blob(), b.title));
      $("samples").append(b);
    }
    $("credit").textContent = s.credit;
    document.body.dataset.ready = "1";
  } catch (e) {
    $("model").textContent = "cannot reach the server: " + e.message;
  }
}

start();
