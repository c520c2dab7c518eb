/* `rali bench`: the time of each step of scoring (decode, preprocess,
 * forward, head) and images/s, over repeated runs, on given photos or on
 * JPEGs it makes (rali-bench.c). */
#pragma once

#include "rali.h"

typedef struct {
  int batch;              /* images per run (and per forward) */
  int iterations;         /* timed runs, after one untimed warm-up run */
  gboolean json;          /* one JSON object instead of a table */
  const char *photo_size; /* "WxH" of generated photos (NULL: 6000x4000) */
} RaliBenchOptions;

/* Runs the benchmark on the images of paths[0..n_paths) (files or folders),
 * or on generated photos when n_paths is 0; prints the report to stdout.
 * Returns the exit status (0, or 1 with a message on stderr). */
int rali_cli_bench (RaliModel *model, RaliEngine *engine, const RaliBenchOptions *opt, char **paths, int n_paths);
