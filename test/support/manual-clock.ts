// A Clock whose time moves only when a test says so, so keepalive, timeouts and backoff are exact and
// independent of machine load. It is the simulator's VirtualClock: one timer queue for both.
export { VirtualClock as ManualClock } from "../../host-sim/xs/virtual-clock.js";
