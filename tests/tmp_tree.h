/* Scratch directories for tests: made under /tmp, removed with everything
 * in them. Header-only, so each test program stays one file. */
#ifndef CDRL_TESTS_TMP_TREE_H
#define CDRL_TESTS_TMP_TREE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a fresh directory /tmp/<prefix>_XXXXXX; its path goes to out (size
 * bytes). Returns 0, or -1 if it could not be made. */
static inline int tmp_tree_make(char *out, size_t size, const char *prefix)
{
    snprintf(out, size, "/tmp/%s_XXXXXX", prefix);
    return mkdtemp(out) ? 0 : -1;
}

/* Removes path and everything below it. */
static inline void tmp_tree_remove(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[4096];
        int n = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof child)
            continue;
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            tmp_tree_remove(child);
        else
            unlink(child);
    }
    closedir(d);
    rmdir(path);
}

/* Entries of directory path other than the hidden ones (".", "..", dot
 * files): what a test counts to see that no temporary file was left. */
static inline int tmp_tree_count(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

#endif
