/* Backup benchmark (not a test): `collector backup` of the 1,000,000
 * sealed responses database that bench_release keeps as its template
 * (run bench_release first), beside a baseline measured in the same run:
 * a plain copy of the same file (read, write, fsync), which a backup must
 * at least do. The backup also runs PRAGMA integrity_check on its copy.
 * Medians of RUNS runs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/testutil.c"

#define TEMPLATE TEST_OUTPUT_DIR "/bench-release.db"
#define COPY     TEST_OUTPUT_DIR "/bench-backup-copy.db"
#define RUNS     3

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Copies from to to with read/write and fsync; seconds taken. */
static double plain_copy(const char *from, const char *to)
{
    static char buf[1 << 20];
    double t0 = tu_now();
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ssize_t n;

    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    if (out >= 0)
        fsync(out), close(out);
    if (in >= 0)
        close(in);
    return tu_now() - t0;
}

int main(void)
{
    double b[RUNS], c[RUNS], t0;
    char out[512], err[512];
    long long n = tu_db_count(TEMPLATE, "SELECT count(*) FROM responses");

    if (n <= 0) {
        fprintf(stderr, "bench_backup: run bench_release first (it makes %s)\n", TEMPLATE);
        return 1;
    }
    for (int i = 0; i < RUNS; i++) {
        unlink(COPY);
        c[i] = plain_copy(TEMPLATE, COPY);
        unlink(COPY);
        t0 = tu_now();
        if (tu_collector(out, sizeof out, err, sizeof err, "backup", "--db", TEMPLATE, "--to", COPY,
                         NULL) != 0) {
            fprintf(stderr, "bench_backup: %s", err);
            return 1;
        }
        b[i] = tu_now() - t0;
        printf("  run %d: backup %.2f s, plain copy %.2f s\n", i + 1, b[i], c[i]);
    }
    unlink(COPY);
    qsort(b, RUNS, sizeof b[0], by_value);
    qsort(c, RUNS, sizeof c[0], by_value);
    printf("backup of a database of %lld responses: %.2f s (median of %d), %.1f x a plain copy"
           " of the file (%.2f s)\n",
           n, b[RUNS / 2], RUNS, b[RUNS / 2] / c[RUNS / 2], c[RUNS / 2]);
    return 0;
}
