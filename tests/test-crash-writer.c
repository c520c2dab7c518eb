/* The culling writes of the app, as a process that tests/test-crash.py
 * kills with SIGKILL at random points:
 *
 *   test-crash-writer CATALOG FOLDER FIRST [COUNT]
 *
 * For i = FIRST, FIRST+1, ... (COUNT decisions, else until killed): the
 * decision decision_for(i) of FOLDER/photo-(i % 20).jpg is committed to the
 * catalog (put + flush, as rali-culling.c does) and written to its XMP
 * sidecar; then "committed I" is printed and flushed.  A failed write
 * prints "error I MESSAGE" and the writer goes on.  Exit 0 at the end. */
#include "library/catalog.h"
#include "library/sidecar.h"
#include "rali.h"

#include <stdio.h>
#include <stdlib.h>

/* the same table as test-crash.py's decision_for */
static RaliDecision
decision_for (long i)
{
  return (RaliDecision) { .rating = (int) (i % 6), .flag = (int) ((i / 6) % 3) - 1,
                          .labels = (guint) ((i * 7) % 32) };
}

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: test-crash-writer CATALOG FOLDER FIRST [COUNT]\n");
      return 1;
    }
  GError *error = NULL;
  RaliCatalog *cat = rali_catalog_open (argv[1], &error);
  if (!cat)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  long first = atol (argv[3]), count = argc > 4 ? atol (argv[4]) : -1;
  for (long i = first; count < 0 || i < first + count; i++)
    {
      char *photo = g_strdup_printf ("%s/photo-%02ld.jpg", argv[2], i % 20);
      RaliDecision d = decision_for (i);
      rali_catalog_put_decision (cat, photo, &d);
      if (!rali_catalog_flush (cat, &error) ||
          !rali_sidecar_write (photo, RALI_SIDECAR_APPENDED, &d, &error))
        {
          printf ("error %ld %s\n", i, error->message);
          g_clear_error (&error);
        }
      else
        printf ("committed %ld\n", i);
      fflush (stdout);
      g_free (photo);
    }
  rali_catalog_close (cat);
  return 0;
}
