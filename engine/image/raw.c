/* RAW previews (see raw.h).  LibRaw 0.20 is not memory-safe on hostile
 * files, so it never runs in this process: rali_raw_load_preview hands the
 * file's bytes to rali-raw-preview (raw-preview-helper.c, around
 * raw-libraw.c), a process of its own with resource limits, and reads back
 * the embedded JPEG's bytes or an RGB bitmap.  A JPEG goes through the
 * ordinary JPEG decoder here (rali_image_load_from_data: DCT scaling,
 * limits); a crash, a hang or a malformed reply of the helper becomes an
 * error naming the file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "raw.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *const raw_exts[] = { ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".dng" };

gboolean
rali_is_raw_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  for (gsize i = 0; dot && i < G_N_ELEMENTS (raw_exts); i++)
    if (g_ascii_strcasecmp (dot, raw_exts[i]) == 0)
      return TRUE;
  return FALSE;
}

/* LibRaw's flip: 0 none, 3 180°, 5 90° counter-clockwise, 6 90° clockwise */
static void
rotate (RaliImage *img, int flip)
{
  if (flip != 3 && flip != 5 && flip != 6)
    return;
  int W = img->width, H = img->height;
  int w = flip == 3 ? W : H, h = flip == 3 ? H : W;
  guint8 *dst = g_malloc ((gsize) W * H * 3);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        int dx, dy;
        if (flip == 3)
          dx = W - 1 - x, dy = H - 1 - y;
        else if (flip == 6)
          dx = H - 1 - y, dy = x;
        else
          dx = y, dy = W - 1 - x;
        memcpy (dst + ((gsize) dy * w + dx) * 3, img->rgb + ((gsize) y * W + x) * 3, 3);
      }
  g_free (img->rgb);
  img->rgb = dst;
  img->width = w;
  img->height = h;
}

gboolean
rali_raw_preview_to_image (RaliImage *out, RaliRawPreview *p, const char *name, int min_short_side,
                           guint64 max_pixels, GError **error)
{
  *out = (RaliImage) { .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
  gboolean ok = FALSE;
  if (p->jpeg)
    ok = rali_image_load_from_data (out, p->jpeg, p->jpeg_size, name, min_short_side, max_pixels, error);
  else if (p->rgb && p->width && p->height
           && (guint64) p->width * p->height <= (max_pixels ? max_pixels : RALI_DEFAULT_MAX_PIXELS))
    {
      out->width = p->width;
      out->height = p->height;
      out->rgb = g_steal_pointer (&p->rgb);
      ok = TRUE;
    }
  else
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: embedded preview too large or empty", name);
  /* the preview JPEG's own EXIF orientation, when it has one, was applied */
  if (ok && out->orientation == 1)
    rotate (out, p->flip);
  rali_raw_preview_clear (p);
  return ok;
}

static guint32
get_u32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

/* The helper's reply B (raw-preview-helper.c) into *P, or its error.  B's
 * bytes are hostile data (a helper that LibRaw has gone wrong in may write
 * anything): every length is checked against what B holds before use. */
static gboolean
parse_reply (GByteArray *b, RaliRawPreview *p, gsize size, const char *name, guint64 max_pixels, GError **error)
{
  const guint8 *d = b->data;
  gsize n = b->len;
  *p = (RaliRawPreview) { 0 };
  if (n >= 13 && memcmp (d, RALI_RAW_REPLY_MAGIC "E", 5) == 0)
    {
      guint32 code = get_u32 (d + 5), len = get_u32 (d + 9);
      if (len <= RALI_RAW_REPLY_MAX_MESSAGE && n == 13 + (gsize) len)
        {
          g_autofree char *m = g_utf8_make_valid ((const char *) d + 13, len);
          if (code > RALI_ERROR_USAGE)
            code = RALI_ERROR_DECODE;
          if (g_str_has_prefix (m, name) && g_str_has_prefix (m + strlen (name), ": "))
            g_set_error_literal (error, RALI_ERROR, code, m);
          else
            g_set_error (error, RALI_ERROR, code, "%s: %s", name, m);
          return FALSE;
        }
    }
  else if (n >= 17 && memcmp (d, RALI_RAW_REPLY_MAGIC "J", 5) == 0)
    {
      guint64 len = get_u32 (d + 9) | (guint64) get_u32 (d + 13) << 32;
      if (len > 0 && len == n - 17 && len <= (guint64) size + 65536)
        {
          p->flip = (int) get_u32 (d + 5);
          p->jpeg_size = len;
          p->jpeg = g_byte_array_steal (b, NULL);
          memmove (p->jpeg, p->jpeg + 17, len);
          return TRUE;
        }
    }
  else if (n >= 17 && memcmp (d, RALI_RAW_REPLY_MAGIC "B", 5) == 0)
    {
      /* sides bounded first (LibRaw's are 16-bit), so that w x h x 3 cannot
       * wrap whatever max_pixels the user allowed */
      guint32 w = get_u32 (d + 9), h = get_u32 (d + 13);
      if (w && h && w <= RALI_RAW_REPLY_MAX_SIDE && h <= RALI_RAW_REPLY_MAX_SIDE
          && (guint64) w * h <= (max_pixels ? max_pixels : RALI_DEFAULT_MAX_PIXELS)
          && n - 17 == (guint64) w * h * 3)
        {
          p->flip = (int) get_u32 (d + 5);
          p->width = w;
          p->height = h;
          p->rgb = g_byte_array_steal (b, NULL);
          memmove (p->rgb, p->rgb + 17, n - 17);
          return TRUE;
        }
    }
  g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: camera raw preview reader gave a malformed reply "
               "(%" G_GSIZE_FORMAT " bytes)", name, n);
  return FALSE;
}

gboolean
rali_raw_reply_to_image (RaliImage *out, GByteArray *reply, gsize size, const char *name, int min_short_side,
                         guint64 max_pixels, GError **error)
{
  *out = (RaliImage) { .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
  RaliRawPreview p;
  return parse_reply (reply, &p, size, name, max_pixels, error)
         && rali_raw_preview_to_image (out, &p, name, min_short_side, max_pixels, error);
}

/* the largest reply the helper may give for a SIZE-byte file: a JPEG of
 * the file's size (and some EXIF LibRaw may add), a bitmap of max_pixels
 * (at most 65535 x 65535) or an error message */
gsize
rali_raw_reply_bound (gsize size, guint64 max_pixels)
{
  guint64 px = MIN (max_pixels ? max_pixels : RALI_DEFAULT_MAX_PIXELS,
                    (guint64) RALI_RAW_REPLY_MAX_SIDE * RALI_RAW_REPLY_MAX_SIDE);
  return 17 + MAX (MAX ((guint64) size + 65536, px * 3), 13 + RALI_RAW_REPLY_MAX_MESSAGE);
}

#ifdef RALI_HAVE_LIBRAW
#define HELPER "rali-raw-preview"
#define HELPER_TIMEOUT_S 15

typedef struct
{
  char *path;   /* NULL: none found */
  char *looked; /* where it was looked for */
} HelperPath;

/* Where rali-raw-preview is, as the default model is found
 * (rali_locate_file): the build tree's helper for a program run from it,
 * else the one installed beside the program; looked up once. */
static const HelperPath *
default_helper (void)
{
  static gsize once = 0;
  static HelperPath found;
  if (!g_once_init_enter (&once))
    return &found;
  found.path = rali_locate_file (
#ifdef RALI_RAW_HELPER_BUILD
    RALI_RAW_HELPER_BUILD,
#else
    NULL,
#endif
#ifdef RALI_LIBEXECDIR_FROM_BINDIR
    RALI_LIBEXECDIR_FROM_BINDIR,
#else
    NULL,
#endif
#ifdef RALI_LIBEXECDIR
    RALI_LIBEXECDIR,
#else
    NULL,
#endif
    HELPER, TRUE, &found.looked);
  g_once_init_leave (&once, 1);
  return &found;
}

/* the file's bytes as an unlinked file at offset 0, for the helper's stdin
 * (no pipe to write: no SIGPIPE, no deadlock if it dies early) */
static int
input_fd (const guint8 *data, gsize size, GError **error)
{
  int fd = memfd_create ("rali-raw-input", MFD_CLOEXEC);
  if (fd < 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "memfd_create: %s", g_strerror (errno));
      return -1;
    }
  for (gsize done = 0; done < size;)
    {
      ssize_t w = write (fd, data + done, size - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "writing the input: %s",
                       w < 0 ? g_strerror (errno) : "no space");
          close (fd);
          return -1;
        }
      done += w;
    }
  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "lseek: %s", g_strerror (errno));
      close (fd);
      return -1;
    }
  return fd;
}

/* Runs HELPER on DATA; its reply (at most BOUND bytes) in *REPLY when it
 * exited 0, else an error naming NAME. */
static gboolean
run_helper (const char *helper, const guint8 *data, gsize size, const char *name, guint64 max_pixels, gsize bound,
            GByteArray **reply, GError **error)
{
  GError *local = NULL;
  int in = input_fd (data, size, &local);
  if (in < 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: cannot hand the file to the camera raw preview "
                   "reader: %s", name, local->message);
      g_error_free (local);
      return FALSE;
    }
  char pixels[32];
  g_snprintf (pixels, sizeof pixels, "%" G_GUINT64_FORMAT, max_pixels);
  const char *argv[] = { helper, pixels, name, NULL };
  /* posix_spawn, not fork: glibc's runs no pthread_atfork handlers, and
   * OpenBLAS's (which stop its thread pool) deadlock a matrix product that
   * another thread is running when this one forks */
  int pipefd[2];
  pid_t pid;
  int rc = pipe2 (pipefd, O_CLOEXEC) < 0 ? errno : 0;
  if (rc == 0)
    {
      posix_spawn_file_actions_t fa;
      posix_spawnattr_t attr;
      sigset_t none, all;
      sigemptyset (&none);
      sigfillset (&all);
      posix_spawn_file_actions_init (&fa);
      posix_spawn_file_actions_adddup2 (&fa, in, STDIN_FILENO);
      posix_spawn_file_actions_adddup2 (&fa, pipefd[1], STDOUT_FILENO);
      posix_spawn_file_actions_addopen (&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
      posix_spawn_file_actions_addclosefrom_np (&fa, 3); /* no descriptor without O_CLOEXEC leaks to it */
#endif
      posix_spawnattr_init (&attr);
      posix_spawnattr_setsigmask (&attr, &none);
      posix_spawnattr_setsigdefault (&attr, &all);
      posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
      rc = posix_spawn (&pid, helper, &fa, &attr, (char **) argv, environ);
      posix_spawnattr_destroy (&attr);
      posix_spawn_file_actions_destroy (&fa);
      close (pipefd[1]);
      if (rc != 0)
        close (pipefd[0]);
    }
  close (in);
  if (rc != 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: the camera raw preview reader (%s) cannot be "
                   "started: %s", name, helper, g_strerror (rc));
      return FALSE;
    }
  int out = pipefd[0];

  /* the reply, until end of file, BOUND bytes or the deadline */
  gint64 deadline = g_get_monotonic_time () + HELPER_TIMEOUT_S * G_USEC_PER_SEC;
  GByteArray *b = g_byte_array_new ();
  gboolean timed_out = FALSE, too_long = FALSE, killed = FALSE;
  guint8 chunk[65536];
  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        {
          timed_out = TRUE;
          break;
        }
      struct pollfd pfd = { out, POLLIN, 0 };
      int r = poll (&pfd, 1, (int) MIN (left, 1000));
      if (r < 0 && errno != EINTR)
        break;
      if (r <= 0)
        continue;
      ssize_t n = read (out, chunk, sizeof chunk);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        break;
      if (b->len + (gsize) n > bound)
        {
          too_long = TRUE;
          break;
        }
      g_byte_array_append (b, chunk, n);
    }
  close (out);
  if (timed_out || too_long)
    {
      kill (pid, SIGKILL);
      killed = TRUE;
    }
  /* it exits as soon as it has replied: wait for it, to the deadline */
  int status = 0;
  for (;;)
    {
      pid_t w = waitpid (pid, &status, killed ? 0 : WNOHANG);
      if (w == pid)
        break;
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          status = 0;
          break;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          timed_out = TRUE;
          kill (pid, SIGKILL);
          killed = TRUE;
        }
      else
        g_usleep (500);
    }

  if (timed_out)
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: camera raw preview reader did not finish in %d s "
                 "and was stopped; LibRaw cannot read this file", name, HELPER_TIMEOUT_S);
  else if (too_long)
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: camera raw preview reader gave a malformed reply "
                 "(over %" G_GSIZE_FORMAT " bytes)", name, bound);
  else if (WIFSIGNALED (status))
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: camera raw preview reader crashed (signal %d, %s); "
                 "LibRaw cannot read this file safely", name, WTERMSIG (status), g_strsignal (WTERMSIG (status)));
  else if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: camera raw preview reader failed (exit status %d)",
                 name, WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  else
    {
      *reply = b;
      return TRUE;
    }
  g_byte_array_unref (b);
  return FALSE;
}

#endif

gboolean
rali_raw_load_preview (RaliImage *out, const guint8 *data, gsize size, const char *name, int min_short_side,
                       guint64 max_pixels, GError **error)
{
  *out = (RaliImage) { .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
#ifdef RALI_HAVE_LIBRAW
  if (size > RALI_RAW_MAX_INPUT)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "%s: camera raw file larger than 1 GiB", name);
      return FALSE;
    }
  const char *env = g_getenv ("RALI_RAW_PREVIEW_HELPER");
  const HelperPath *def = env && *env ? NULL : default_helper ();
  const char *helper = def ? def->path : env;
  if (!helper)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "%s: the camera raw preview reader "
                   HELPER " is not installed (looked for $RALI_RAW_PREVIEW_HELPER, %s)", name, def->looked);
      return FALSE;
    }
  GByteArray *reply = NULL;
  if (!run_helper (helper, data, size, name, max_pixels, rali_raw_reply_bound (size, max_pixels), &reply, error))
    return FALSE;
  gboolean ok = rali_raw_reply_to_image (out, reply, size, name, min_short_side, max_pixels, error);
  g_byte_array_unref (reply);
  return ok;
#else
  (void) data;
  (void) size;
  (void) min_short_side;
  (void) max_pixels;
  g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "%s: camera raw files need LibRaw, which this build "
               "was made without", name);
  return FALSE;
#endif
}
