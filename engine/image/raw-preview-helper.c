/* rali-raw-preview: the LibRaw half of camera raw previews (raw-libraw.c)
 * in a process of its own, so that a hostile file that LibRaw 0.20 cannot
 * read safely takes down only this process.  rali_raw_load_preview (raw.c)
 * runs it:
 *
 *   rali-raw-preview MAX_PIXELS NAME  < the raw file's bytes (at most 1 GiB)
 *
 * and reads one reply on stdout (RALI_RAW_REPLY_* in raw.h; integers little-
 * endian): "RRP1", then
 *   'J' flip:u32 size:u64 JPEG bytes      the embedded JPEG, not decoded
 *   'B' flip:u32 width:u32 height:u32 RGB8 bytes (at most MAX_PIXELS pixels)
 *   'E' code:u32 size:u32 message          a RaliError code and its message
 * It exits 0 whenever it replied; limited to ~2 GiB of address space and
 * 10 s of CPU before it reads anything. */
#include "raw.h"
#include "raw-libraw.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/* the engine's error domain without the engine: only the codes travel */
G_DEFINE_QUARK (rali-error-quark, rali_error)

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void
limit (int resource, rlim_t soft, rlim_t hard)
{
  struct rlimit r;
  if (getrlimit (resource, &r) == 0)
    {
      /* never above what we were given */
      r.rlim_cur = r.rlim_max == RLIM_INFINITY || soft < r.rlim_max ? soft : r.rlim_max;
      r.rlim_max = r.rlim_max == RLIM_INFINITY || hard < r.rlim_max ? hard : r.rlim_max;
      setrlimit (resource, &r);
    }
}

static gboolean
write_all (const void *buf, gsize n)
{
  const guint8 *p = buf;
  while (n > 0)
    {
      ssize_t w = write (STDOUT_FILENO, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      p += w;
      n -= w;
    }
  return TRUE;
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  guint8 le[4] = { v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >> 24 };
  g_byte_array_append (b, le, 4);
}

static int
reply_error (int code, const char *message)
{
  gsize n = MIN (strlen (message), RALI_RAW_REPLY_MAX_MESSAGE);
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) RALI_RAW_REPLY_MAGIC "E", 5);
  put_u32 (b, code);
  put_u32 (b, n);
  g_byte_array_append (b, (const guint8 *) message, n);
  gboolean ok = write_all (b->data, b->len);
  g_byte_array_unref (b);
  return ok ? 0 : 1;
}

int
main (int argc, char **argv)
{
  limit (RLIMIT_CORE, 0, 0);
  limit (RLIMIT_CPU, 10, 11);
#ifndef UNDER_ASAN /* ASan's shadow memory is terabytes of address space */
  limit (RLIMIT_AS, (rlim_t) 2 << 30, (rlim_t) 2 << 30);
#endif
  if (argc != 3)
    {
      g_printerr ("usage: rali-raw-preview MAX_PIXELS NAME < RAW-FILE\n"
                  "(run by Rali Studio: the embedded preview of a camera raw file, read by LibRaw)\n");
      return 2;
    }
  char *end;
  guint64 max_pixels = g_ascii_strtoull (argv[1], &end, 10);
  const char *name = argv[2];
  if (*end)
    return reply_error (RALI_ERROR_USAGE, "rali-raw-preview: MAX_PIXELS is not a number");

  /* the file's bytes, at most RALI_RAW_MAX_INPUT */
  gsize size = 0, cap = 1 << 20;
  g_autofree guint8 *data = g_malloc (cap);
  for (;;)
    {
      if (size == cap)
        {
          if (cap > RALI_RAW_MAX_INPUT)
            break; /* refused below */
          cap = MIN (cap * 2, RALI_RAW_MAX_INPUT + 1);
          data = g_realloc (data, cap);
        }
      ssize_t r = read (STDIN_FILENO, data + size, cap - size);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          g_autofree char *m = g_strdup_printf ("%s: cannot read the file's bytes: %s", name, g_strerror (errno));
          return reply_error (RALI_ERROR_IO, m);
        }
      if (r == 0)
        break;
      size += r;
    }
  if (size > RALI_RAW_MAX_INPUT)
    {
      g_autofree char *m = g_strdup_printf ("%s: camera raw file larger than 1 GiB", name);
      return reply_error (RALI_ERROR_TOO_LARGE, m);
    }

  RaliRawPreview p;
  g_autoptr (GError) error = NULL;
  if (!rali_raw_extract (&p, data, size, name, max_pixels, &error))
    return reply_error (error->code, error->message);
  g_clear_pointer (&data, g_free);
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) RALI_RAW_REPLY_MAGIC, 4);
  g_byte_array_append (b, (const guint8 *) (p.jpeg ? "J" : "B"), 1);
  put_u32 (b, p.flip);
  if (p.jpeg)
    {
      put_u32 (b, (guint32) p.jpeg_size);
      put_u32 (b, (guint32) ((guint64) p.jpeg_size >> 32));
    }
  else
    {
      put_u32 (b, p.width);
      put_u32 (b, p.height);
    }
  gboolean ok = write_all (b->data, b->len)
                && write_all (p.jpeg ? p.jpeg : p.rgb, p.jpeg ? p.jpeg_size : (gsize) p.width * p.height * 3);
  g_byte_array_unref (b);
  rali_raw_preview_clear (&p);
  return ok ? 0 : 1;
}
