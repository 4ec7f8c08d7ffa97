/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the seed generators (gen_corpus.c, gen_engine_corpus.c). */
#ifndef MCVPN_TESTS_FUZZ_GEN_CORPUS_H
#define MCVPN_TESTS_FUZZ_GEN_CORPUS_H

#include <stddef.h>

/* Write one seed as dir/name (dir made if missing); a failure is reported on
 * stderr and makes the generator exit non-zero. */
void gen_put_dir(const char *dir, const char *name, const void *p, size_t n);
/* fuzz_ike_engine's seeds into dir. */
void gen_engine(const char *dir);

#endif
