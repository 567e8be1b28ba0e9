// SPDX-License-Identifier: GPL-2.0
/*
 * Files named on the command line (a -dd file, a class file, a network
 * namespace): opened only when they are regular files, and never in a way
 * that can wait.  open() of a FIFO waits for a writer (fifo_open(),
 * fs/pipe.c) and the options are read before anything else, so one named
 * by mistake hung pktcount for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pktcount.h"

const char *pc_file_kind(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO" : S_ISDIR(mode) ? "a directory" : S_ISCHR(mode) ? "a character device" :
	       S_ISBLK(mode) ? "a block device" : S_ISSOCK(mode) ? "a socket" :
	       S_ISLNK(mode) ? "a symbolic link" : "not a regular file";
}

int pc_open_regular(const char *path, mode_t *mode)
{
	struct stat st;
	int fd, e;

	/*
	 * Looked at before it is opened: opening a device has effects of its
	 * own (/dev/watchdog arms the watchdog).
	 */
	if (stat(path, &st) < 0)
		return -errno;
	*mode = st.st_mode;
	if (!S_ISREG(st.st_mode))
		return PC_FILE_NOT_REGULAR;
	/* O_NONBLOCK: a FIFO swapped in meanwhile opens at once, and fstat() then sees it */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto out_errno;
	*mode = st.st_mode;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return PC_FILE_NOT_REGULAR;
	}
	/* a plain descriptor from here on, as open() without O_NONBLOCK gives */
	if (fcntl(fd, F_SETFL, 0) < 0)
		goto out_errno;
	return fd;
out_errno:
	e = -errno;
	close(fd);
	return e;
}
