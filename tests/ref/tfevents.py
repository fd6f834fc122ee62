#!/usr/bin/env python3
"""An independent reader of TensorBoard event files, for the tests.

usage: tfevents.py [--images DIR] FILE...

Reads each file as TensorBoard does: TFRecord framing (uint64 length,
masked CRC-32C of the length, the data, masked CRC-32C of the data), each
record an Event message. The CRCs are checked with crcmod's CRC-32C, the
messages decoded by Google's protobuf with the fields of TensorFlow's
event.proto and summary.proto, declared below from their field numbers:
nothing of imatseg's code is used. Prints one JSON object per event:

  {"file": F, "wall_time": T, "step": S, "file_version": V,
   "scalars": {TAG: VALUE}, "images": {TAG: [HEIGHT, WIDTH, COLORSPACE,
   "PNG-FILE"]}}

(with --images, each image is written to DIR/STEP.TAG.png, "/" in TAG
made "_"; PNG-FILE is that path, or the encoded size without --images).
A last record cut short is tolerated, as TensorBoard tolerates a
file still being written, and reported as {"file": F, "truncated": BYTES}.
A bad CRC or an undecodable message anywhere else: a message on stderr,
exit 1.
"""
import json
import struct
import sys

import crcmod.predefined
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

crc32c = crcmod.predefined.mkCrcFun("crc-32c")

F = descriptor_pb2.FieldDescriptorProto


def messages():
    """Event, Summary, Summary.Value and Summary.Image as TensorFlow
    declares them (the fields TensorBoard reads for scalars and
    images)."""
    fd = descriptor_pb2.FileDescriptorProto(name="tfevents_subset.proto",
                                            package="tensorflow",
                                            syntax="proto3")

    def field(msg, name, number, kind, type_name=None, repeated=False,
              oneof=None):
        f = msg.field.add(name=name, number=number, type=kind,
                          label=F.LABEL_REPEATED if repeated
                          else F.LABEL_OPTIONAL)
        if type_name:
            f.type_name = type_name
        if oneof is not None:
            f.oneof_index = oneof

    summary = fd.message_type.add(name="Summary")
    image = summary.nested_type.add(name="Image")
    field(image, "height", 1, F.TYPE_INT32)
    field(image, "width", 2, F.TYPE_INT32)
    field(image, "colorspace", 3, F.TYPE_INT32)
    field(image, "encoded_image_string", 4, F.TYPE_BYTES)
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")
    field(value, "node_name", 7, F.TYPE_STRING)
    field(value, "tag", 1, F.TYPE_STRING)
    field(value, "simple_value", 2, F.TYPE_FLOAT, oneof=0)
    field(value, "obsolete_old_style_histogram", 3, F.TYPE_BYTES, oneof=0)
    field(value, "image", 4, F.TYPE_MESSAGE, ".tensorflow.Summary.Image",
          oneof=0)
    field(summary, "value", 1, F.TYPE_MESSAGE, ".tensorflow.Summary.Value",
          repeated=True)
    event = fd.message_type.add(name="Event")
    field(event, "wall_time", 1, F.TYPE_DOUBLE)
    field(event, "step", 2, F.TYPE_INT64)
    field(event, "file_version", 3, F.TYPE_STRING)
    field(event, "graph_def", 4, F.TYPE_BYTES)
    field(event, "summary", 5, F.TYPE_MESSAGE, ".tensorflow.Summary")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    desc = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff


def records(path):
    """(offset, data) of each whole record; ('truncated', n) last when
    the file ends inside one."""
    with open(path, "rb") as f:
        buf = f.read()
    at = 0
    while at < len(buf):
        if len(buf) - at < 12:
            yield "truncated", len(buf) - at
            return
        head = buf[at:at + 8]
        n, = struct.unpack("<Q", head)
        hcrc, = struct.unpack("<I", buf[at + 8:at + 12])
        if hcrc != masked(head):
            raise ValueError("%s: offset %d: bad length CRC" % (path, at))
        if len(buf) - at < 12 + n + 4:
            yield "truncated", len(buf) - at
            return
        data = buf[at + 12:at + 12 + n]
        dcrc, = struct.unpack("<I", buf[at + 12 + n:at + 16 + n])
        if dcrc != masked(data):
            raise ValueError("%s: offset %d: bad data CRC" % (path, at))
        yield at, data
        at += 16 + n


def main():
    Event = messages()
    args, images = sys.argv[1:], None
    if args[:1] == ["--images"]:
        images, args = args[1], args[2:]
    for path in args:
        for at, data in records(path):
            if at == "truncated":
                print(json.dumps({"file": path, "truncated": data}))
                continue
            ev = Event()
            try:
                ev.ParseFromString(data)
            except DecodeError as err:
                raise ValueError("%s: offset %d: %s" % (path, at, err))
            out = {"file": path, "wall_time": ev.wall_time, "step": ev.step}
            if ev.file_version:
                out["file_version"] = ev.file_version
            if ev.HasField("summary"):
                out["scalars"], out["images"] = {}, {}
            for v in ev.summary.value:
                kind = v.WhichOneof("value")
                if kind == "image":
                    im = v.image
                    png = len(im.encoded_image_string)
                    if images is not None:
                        png = "%s/%d.%s.png" % (images, ev.step,
                                                v.tag.replace("/", "_"))
                        with open(png, "wb") as f:
                            f.write(im.encoded_image_string)
                    out["images"][v.tag] = [im.height, im.width,
                                            im.colorspace, png]
                elif kind == "simple_value":
                    out["scalars"][v.tag] = v.simple_value
                else:
                    raise ValueError("%s: offset %d: %s: no value" %
                                     (path, at, v.tag))
            print(json.dumps(out))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as err:
        print("tfevents.py: %s" % err, file=sys.stderr)
        sys.exit(1)
