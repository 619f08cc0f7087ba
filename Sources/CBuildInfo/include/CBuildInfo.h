#ifndef CBUILDINFO_H
#define CBUILDINFO_H

/// The commit this binary was built from, as the build named it (STREAMLSTMD_COMMIT); "" when it did not.
const char *streamlstmd_build_commit(void);

#endif
