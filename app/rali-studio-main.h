/* rali_studio_main: the app's main() (locale, thread priorities, Exiv2,
 * the application), with a hook that sees the application before it runs:
 * the shipped main.c passes none; the test build (tests/app-driver/)
 * attaches its driver there, so the shipped binary carries no test code. */
#pragma once

#include "rali-application.h"

G_BEGIN_DECLS

typedef void (*RaliStudioPrepareFunc) (RaliApplication *app, gpointer user_data);

int rali_studio_main (int argc, char **argv, RaliStudioPrepareFunc prepare, gpointer user_data);

G_END_DECLS
