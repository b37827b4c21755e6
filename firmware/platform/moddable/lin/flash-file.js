/* global Native, native */
// The SDK's `flash` module for the simulator (lin), which has none: the same API as the board's
// (modules/files/flash in the SDK) over a partition image in a file, $HOME/flash/<label>.bin, written by
// provisioning (certs/provisioning.ts) in the same format as the esp32 partition. Writes behave as NOR
// flash; map() maps the file, so the firmware reads the partition in place as on the board.
class Flash extends Native("xs_flashfile_destructor") {
	constructor(label) {
		super();
		native("xs_flashfile").call(this, label);
	}
	erase(sector) {
		native("xs_flashfile_erase").call(this, sector);
	}
	read(offset, byteLength) {
		return native("xs_flashfile_read").call(this, offset, byteLength);
	}
	write(offset, byteLength, buffer) {
		native("xs_flashfile_write").call(this, offset, byteLength, buffer);
	}
	map() {
		const buffer = native("xs_flashfile_map").call(this);
		// The mapping lives as long as the Flash object: the buffer keeps it, as the board's does.
		Object.defineProperty(buffer, "flash", { value: this });
		return buffer;
	}
	get byteLength() {
		return native("xs_flashfile_byteLength").call(this);
	}
	get blockSize() {
		return 4096;
	}
}

export default Flash;
