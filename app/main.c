/* rali-studio: the GTK 4 app over librali. */
#include "rali-studio-main.h"

int
main (int argc, char **argv)
{
  return rali_studio_main (argc, argv, NULL, NULL);
}
