/* placeholder: being written */
#include "config.h"
#include "test-utils.h"
int
main (int argc, char **argv)
{
  test_init (&argc, &argv);
  return g_test_run ();
}
