// XS entry: the sensor drivers on the forwarded I2C port.
import { expose } from "../../../host-sim/xs/runtime/host-channel.js";
import { XsI2C } from "../../../host-sim/xs/runtime/ports.js";
import { sensorSteps } from "./sensor-steps.js";

expose(sensorSteps(XsI2C));
