/*
 * The simulator's sockets fail as the board's do. The SDK's lin TCP socket asks for no SIGPIPE with
 * SO_NOSIGPIPE, which Linux does not have, and the simulator's debugger connection sets SIGPIPE back to its
 * default once connected: a write to a connection the peer has closed (a broker that refuses the device's
 * certificate closes while the device still sends its flight) would kill the simulator. On the board lwIP
 * returns an error instead, which the socket reports; with SIGPIPE ignored the write fails with EPIPE, and
 * the socket reports that.
 */
#include "xsmc.h"
#include <signal.h>

void xs_socket_signals_as_board(xsMachine *the)
{
	signal(SIGPIPE, SIG_IGN);
}
