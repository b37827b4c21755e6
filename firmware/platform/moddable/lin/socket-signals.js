/* global native */
// The simulator's sockets fail as the board's do: a write to a closed connection is an error, not SIGPIPE
// (firmware/platform/moddable/lin/socket-signals.c). Called at run time, once the debugger has connected.
export default function socketsAsOnTheBoard() {
	native("xs_socket_signals_as_board")();
}
