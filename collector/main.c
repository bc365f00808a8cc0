/* The collector program: everything is in cli.c so that tests link the
 * same code; main only hands over the command line. */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
