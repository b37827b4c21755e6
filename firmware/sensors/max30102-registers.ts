// MAX30102 register map (MAX30101/MAX30105 share it; datasheet 19-7740, "Register Map").

export const MAX30102_ADDRESS = 0x57;
export const MAX30102_PART_ID = 0x15;

export const Register = {
  InterruptStatus1: 0x00,
  InterruptStatus2: 0x01,
  InterruptEnable1: 0x02,
  InterruptEnable2: 0x03,
  FifoWritePointer: 0x04,
  OverflowCounter: 0x05,
  FifoReadPointer: 0x06,
  FifoData: 0x07,
  FifoConfig: 0x08,
  ModeConfig: 0x09,
  Spo2Config: 0x0a,
  Led1Amplitude: 0x0c, // red
  Led2Amplitude: 0x0d, // IR
  MultiLedSlots12: 0x11,
  MultiLedSlots34: 0x12,
  DieTempInteger: 0x1f,
  DieTempFraction: 0x20,
  DieTempConfig: 0x21,
  RevisionId: 0xfe,
  PartId: 0xff,
} as const;

/** Interrupt status/enable 1 bits. */
export const Interrupt1 = { AlmostFull: 0x80, DataReady: 0x40, AmbientOverflow: 0x20, PowerReady: 0x01 } as const;
/** Interrupt status/enable 2 bits. */
export const Interrupt2 = { DieTempReady: 0x02 } as const;

export const Mode = { Shutdown: 0x80, Reset: 0x40, HeartRate: 0x02, SpO2: 0x03, MultiLed: 0x07 } as const;

/** FIFO depth in samples; pointers and the overflow counter are 5 bits. */
export const FIFO_DEPTH = 32;
export const OVERFLOW_MAX = 0x1f;
/** Each channel of a FIFO sample: 3 bytes MSB first, 18 significant bits, left-justified. */
export const BYTES_PER_CHANNEL = 3;
export const SAMPLE_MASK = 0x3ffff;

/** SPO2_CONFIG codes, index = field value. */
export const SAMPLE_RATES = [50, 100, 200, 400, 800, 1000, 1600, 3200] as const;
export const PULSE_WIDTHS_US = [69, 118, 215, 411] as const;
export const ADC_RANGES_NA = [2048, 4096, 8192, 16384] as const;
/** FIFO_CONFIG SMP_AVE codes 0..5; codes 6 and 7 also mean 32. */
export const SAMPLE_AVERAGES = [1, 2, 4, 8, 16, 32] as const;
/** LED pulse amplitude: 0.2 mA per step, 0x00..0xFF = 0..51 mA. */
export const LED_MA_PER_STEP = 0.2;
/** Die temperature fraction register: 4 bits of 0.0625 C. */
export const DIE_TEMP_FRACTION_C = 0.0625;
