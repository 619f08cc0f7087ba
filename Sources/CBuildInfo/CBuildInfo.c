#include "CBuildInfo.h"

// Package.swift defines STREAMLSTMD_COMMIT from the environment variable of that name, which
// `make` sets from git; a C define is the one way a build can hand a string to the code without
// generating a source file.
#ifndef STREAMLSTMD_COMMIT
#define STREAMLSTMD_COMMIT ""
#endif

const char *streamlstmd_build_commit(void) { return STREAMLSTMD_COMMIT; }
