// The page of unet-serve in headless Debian chromium, driven by
// playwright-core (tests/browser/package-lock.json; it never downloads a
// browser): load /, upload a photo, wait for the overlay and the legend,
// compare them with the server's own JSON answer for the photo, try the
// opacity slider and a sample photo, keep a screenshot.
//
// usage: node page.js URL PHOTO SCREENSHOT.png (and SCREENSHOT-sample.png)
// Prints one line per check; exits 1 on the first that fails.
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [url, photo, shot] = process.argv.slice(2);

function check(ok, what) {
  if (!ok) throw new Error("failed: " + what);
  console.log("ok: " + what);
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "imatseg-chromium-"));
  // a fresh profile (playwright passes it as --user-data-dir)
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1200, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
      "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const outside = [];
  try {
    const page = await browser.newPage();
    page.on("request", (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith("blob:" + url.replace(/\/$/, "")))
        outside.push(r.url());
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector("body[data-ready='1']");
    check((await page.textContent("#model")).startsWith("U-Net 32×32"), "the model is described");
    check(await page.locator("#samples img").count() === 2, "two sample photos are offered");

    await page.setInputFiles("#file", photo);
    await page.waitForSelector("body[data-state='done']");
    const got = await page.evaluate(() => {
      const c = document.getElementById("overlay");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let p = 3; p < d.length; p += 4) painted += d[p] > 0;
      const rows = [...document.querySelectorAll("#legend tbody tr")].map((tr) =>
        [Number(tr.dataset.label), tr.cells[1].textContent, tr.cells[2].textContent]);
      const img = document.getElementById("photo");
      return { w: c.width, h: c.height, painted, rows, nw: img.naturalWidth, nh: img.naturalHeight,
        shown: c.getBoundingClientRect().width > 0 && c.getBoundingClientRect().height > 0 };
    });
    // the server's own summary of the same photo
    const form = new FormData();
    form.append("photo", new Blob([fs.readFileSync(photo)]), path.basename(photo));
    const want = await (await fetch(url + "v1/segment?format=json", { method: "POST", body: form })).json();
    check(got.shown && got.w === want.width && got.h === want.height &&
      got.nw === want.width && got.nh === want.height, "the overlay covers the photo at its size");
    const fg = want.categories.reduce((s, c) => s + c.pixels, 0);
    check(got.painted === fg, "the overlay paints the " + fg + " pixels of categories");
    const legend = new Map(got.rows.map(([l, name, share]) => [l, [name, share]]));
    check(got.rows.length >= 1 && legend.size === want.categories.length + (fg < want.width * want.height ? 1 : 0),
      "the legend has a row per label found (" + got.rows.length + ")");
    for (const c of want.categories)
      check(legend.has(c.id + 1) && legend.get(c.id + 1)[0] === c.name &&
        legend.get(c.id + 1)[1] === (100 * c.share).toFixed(1) + "%", "legend: " + c.name);
    check(await page.getAttribute("#mask-link", "download") === path.basename(photo, path.extname(photo)) + ".png",
      "the mask can be downloaded");

    await page.fill("#opacity", "80");
    check(await page.evaluate(() => getComputedStyle(document.getElementById("overlay")).opacity) === "0.8",
      "the opacity slider sets the overlay's opacity");
    const download = page.waitForEvent("download");
    await page.click("#rows-button");
    const rows = fs.readFileSync(await (await download).path(), "utf8");
    check(rows.startsWith("ImageId,EncodedPixels,ClassId\n"), "the submission rows download");
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);

    await page.evaluate(() => { document.body.dataset.state = ""; });
    await page.click("#samples button >> nth=0");
    await page.waitForSelector("body[data-state='done']");
    check((await page.textContent("#status")).startsWith("000000009813.jpg: "), "a sample photo is segmented");
    const sampleShot = shot.replace(/\.png$/, "") + "-sample.png";
    await page.screenshot({ path: sampleShot, fullPage: true });
    console.log("screenshot: " + sampleShot);
    check(errors.length === 0, "no script errors (" + errors.join("; ") + ")");
    check(outside.length === 0, "nothing fetched from elsewhere (" + outside.join(" ") + ")");
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.log(e.message); process.exit(1); });
