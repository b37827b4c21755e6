/*
 * The simulator's flash partition (firmware/platform/moddable/lin/flash-file.js): a file under HOME,
 * $HOME/flash/<label>.bin, its size the partition's. Erase writes 0xFF over a 4 KB sector; a write ANDs its
 * bytes into the file as NOR flash does (bits go from 1 to 0 only until the sector is erased); map() maps the
 * file shared and read-only, so what is written shows through the mapping at once.
 *
 * MCSIM_FLASH_PAGE_MS in the simulator's environment makes the flash as slow as asked: each sector erase and
 * each 256-byte page of a write takes that many milliseconds, and a write goes page by page, so a test can
 * cut the power (kill the simulator) in the middle of one.
 */
#include "xsmc.h"
#include "xsHost.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 4096
#define PAGE 256

static void slowly(void)
{
	const char *ms = getenv("MCSIM_FLASH_PAGE_MS");
	if (ms && (atoi(ms) > 0))
		usleep((useconds_t)atoi(ms) * 1000);
}

typedef struct {
	int fd;
	size_t size;
	void *map;
} FlashFile;

void xs_flashfile_destructor(void *data)
{
	FlashFile *flash = data;
	if (!flash)
		return;
	if (flash->map)
		munmap(flash->map, flash->size);
	if (flash->fd >= 0)
		close(flash->fd);
}

static FlashFile *flashOf(xsMachine *the)
{
	return xsmcGetHostChunkValidate(xsThis, xs_flashfile_destructor);
}

void xs_flashfile(xsMachine *the)
{
	char path[1024];
	const char *home = getenv("HOME");
	struct stat status;
	FlashFile flash = { -1, 0, NULL };

	snprintf(path, sizeof(path), "%s/flash/%s.bin", home ? home : ".", xsmcToString(xsArg(0)));
	flash.fd = open(path, O_RDWR);
	if (flash.fd < 0)
		xsUnknownError("can't find partition");
	if ((fstat(flash.fd, &status) < 0) || (status.st_size <= 0) || (status.st_size % SECTOR)) {
		close(flash.fd);
		xsUnknownError("partition file is not whole sectors");
	}
	flash.size = (size_t)status.st_size;
	xsmcSetHostChunk(xsThis, &flash, sizeof(flash));
}

void xs_flashfile_erase(xsMachine *the)
{
	FlashFile *flash = flashOf(the);
	int sector = xsmcToInteger(xsArg(0));
	uint8_t erased[SECTOR];

	if ((sector < 0) || ((size_t)(sector + 1) * SECTOR > flash->size))
		xsRangeError("invalid sector");
	memset(erased, 0xFF, sizeof(erased));
	slowly();
	if (pwrite(flash->fd, erased, SECTOR, (off_t)sector * SECTOR) != SECTOR)
		xsUnknownError("erase failed");
}

void xs_flashfile_read(xsMachine *the)
{
	FlashFile *flash = flashOf(the);
	int offset = xsmcToInteger(xsArg(0));
	int byteLength = xsmcToInteger(xsArg(1));

	if ((offset < 0) || (byteLength < 0) || ((size_t)offset + byteLength > flash->size))
		xsRangeError("invalid range");
	xsmcSetArrayBuffer(xsResult, NULL, byteLength);
	if (pread(flash->fd, xsmcToArrayBuffer(xsResult), byteLength, offset) != byteLength)
		xsUnknownError("read failed");
}

void xs_flashfile_write(xsMachine *the)
{
	FlashFile *flash = flashOf(the);
	int offset = xsmcToInteger(xsArg(0));
	int byteLength = xsmcToInteger(xsArg(1));
	void *data;
	xsUnsignedValue dataLength;
	uint8_t *bytes;
	int i;

	xsmcGetBufferReadable(xsArg(2), &data, &dataLength);
	if ((offset < 0) || (byteLength <= 0) || (dataLength < (xsUnsignedValue)byteLength) || ((size_t)offset + byteLength > flash->size))
		xsRangeError("invalid range");
	bytes = c_malloc(byteLength);
	if (!bytes)
		xsUnknownError("no memory");
	if (pread(flash->fd, bytes, byteLength, offset) != byteLength) {
		c_free(bytes);
		xsUnknownError("write failed");
	}
	xsmcGetBufferReadable(xsArg(2), &data, &dataLength); // the buffer may have moved
	for (i = 0; i < byteLength; i++)
		bytes[i] &= ((uint8_t *)data)[i];
	for (i = 0; i < byteLength; i += PAGE) {
		int count = (byteLength - i) < PAGE ? (byteLength - i) : PAGE;
		slowly();
		if (pwrite(flash->fd, bytes + i, count, offset + i) != count) {
			c_free(bytes);
			xsUnknownError("write failed");
		}
	}
	c_free(bytes);
}

void xs_flashfile_map(xsMachine *the)
{
	FlashFile *flash = flashOf(the);

	if (!flash->map) {
		void *map = mmap(NULL, flash->size, PROT_READ, MAP_SHARED, flash->fd, 0);
		if (map == MAP_FAILED)
			xsUnknownError("map failed");
		flash = flashOf(the);
		flash->map = map;
	}
	xsResult = xsNewHostObject(NULL);
	flash = flashOf(the);
	xsmcSetHostBuffer(xsResult, flash->map, flash->size);
	xsmcPetrifyHostBuffer(xsResult);
}

void xs_flashfile_byteLength(xsMachine *the)
{
	xsmcSetInteger(xsResult, (xsIntegerValue)flashOf(the)->size);
}
