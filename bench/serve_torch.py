#!/usr/bin/python3
"""The Python peer of bench/serve: the HTTP server a PyTorch user would
write around the same network (tests/ref/unet.py, loaded from the same
checkpoint): http.server with a thread per request, PIL to decode and
resize (Lanczos) and to encode the PNG, torch on 2 threads, the label
map resized to the photo by nearest neighbour. POST /v1/segment answers
the label mask PNG, as unet-serve does.

usage: serve_torch.py MODEL PORT   (prints "listening on http://...")"""
import io
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "ref"))
from unet import UNet, read_safetensors  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def main():
    torch.set_num_threads(2)
    model = UNet.from_checkpoint(sys.argv[1]).eval()
    size = int(read_safetensors(sys.argv[1])[1]["size"])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            im = Image.open(io.BytesIO(body)).convert("RGB")
            w, h = im.size
            x = np.asarray(im.resize((size, size), Image.LANCZOS), np.float32)
            x = (x / 255.0 - MEAN) / STD
            x = torch.from_numpy(x.transpose(2, 0, 1).copy())[None]
            with torch.no_grad():
                labels = model(x)[0].argmax(0).to(torch.uint8).numpy()
            mask = Image.fromarray(labels).resize((w, h), Image.NEAREST)
            out = io.BytesIO()
            mask.save(out, format="PNG")
            data = out.getvalue()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("listening on http://127.0.0.1:%d/" % server.server_port,
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass


if __name__ == "__main__":
    main()
