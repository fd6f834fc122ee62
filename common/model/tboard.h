/* tboard — unet-train's run as TensorBoard event files, so that
 * `tensorboard --logdir DIR` shows it as it shows a TensorFlow or PyTorch
 * run. A file is a sequence of records in TFRecord framing: the data's
 * length as a little-endian uint64, the masked CRC-32C of those 8 bytes,
 * the data, the masked CRC-32C of the data, where mask(c) =
 * ((c >> 15) | (c << 17)) + 0xa282ead8. Each record is one Event
 * protobuf message: the first names the file_version "brain.Event:2",
 * the others hold a Summary at a step: an epoch's scalars (simple_value)
 * or its preview images (Summary.Image, PNG-encoded).
 *
 * The messages are encoded here by hand (four messages, eleven fields,
 * numbered as in TensorFlow's event.proto and summary.proto); the tests
 * decode them with Google's protobuf library (tests/ref/tfevents.py).
 * Event files are the one output whose bytes carry wall-clock time: the
 * wall_time of each event and the file's name. A TbWriter owns its open
 * file: tb_close closes it. */
#ifndef IMATSEG_TBOARD_H
#define IMATSEG_TBOARD_H

#include <stdint.h>

#include "err.h"
#include "labels.h"
#include "train.h"

typedef struct TbWriter TbWriter;

/* A new event file DIR/events.out.tfevents.TIME.HOST (TIME the seconds
 * since the epoch, %010; ".N" appended when that name is taken: a
 * resumed run within the same second), DIR and its parents made when
 * missing. The file_version event is written and flushed at once. */
TbWriter *tb_open(const char *dir, Err *e);
const char *tb_path(const TbWriter *w);

/* The scalars of an epoch's row at its global step, then flushed:
 * train/loss, train/pixel_acc, val/loss, val/miou, lr, images_per_s and
 * val/iou/NAME for each class (NAME "background" for class 0, the
 * category's name in labels for class c+1, "category_C" for a category
 * labels leaves unnamed). A value the log writes as nan (a class absent
 * from the validation data) is left out. */
int tb_epoch(TbWriter *w, const EpochRow *row, const Labels *labels,
    Err *e);

/* The preview at step, then flushed: image val/prediction/K for sample K
 * of p, the panels photo | truth | prediction (labels blended over the
 * photo with the palette of palette.h, as mkgallery(1) draws them). */
int tb_preview(TbWriter *w, uint64_t step, const Preview *p, Err *e);

/* Flushes and closes (w is freed in every case). */
int tb_close(TbWriter *w, Err *e);

#endif
