/**
 * The standard function blocks (IEC 61131-3 ed. 2, 2.5.2.3): timers, edge detectors, counters
 * and bistables. Each instance keeps its state between calls; timers read the simulated time
 * of the scan that calls them. The choices the standard leaves open are in docs/structured-text.md.
 */
import type { StType } from "./api.ts";
import { RANGE } from "./types.ts";

/** A running instance: its parameters are plain fields (read as `T1.Q`), `run` executes it once. */
export interface BlockInstance {
  [param: string]: unknown;
  run(nowMs: number): void;
}

/** A function block type: its parameters in the order the standard lists them. */
export interface BlockType {
  name: string;
  inputs: Readonly<Record<string, StType>>;
  outputs: Readonly<Record<string, StType>>;
  create(): BlockInstance;
}

/** Counters count within INT. */
const [CV_MIN, CV_MAX] = RANGE.INT;

/** On-delay: Q rises once IN has been TRUE for PT; ET counts up to PT and stops there. */
class Ton {
  IN = false;
  PT = 0;
  Q = false;
  ET = 0;
  private start = 0;
  private running = false;
  run(now: number): void {
    if (!this.IN) {
      this.running = false;
      this.Q = false;
      this.ET = 0;
      return;
    }
    if (!this.running) {
      this.running = true;
      this.start = now;
    }
    const elapsed = now - this.start;
    this.Q = elapsed >= this.PT;
    this.ET = this.Q ? this.PT : elapsed;
  }
}

/** Off-delay: Q follows IN up, and falls PT after IN falls; ET counts the off time up to PT. */
class Tof {
  IN = false;
  PT = 0;
  Q = false;
  ET = 0;
  private start = 0;
  private timing = false;
  run(now: number): void {
    if (this.IN) {
      this.Q = true;
      this.ET = 0;
      this.timing = false;
      return;
    }
    if (this.Q && !this.timing) {
      // IN just fell: start the off delay.
      this.timing = true;
      this.start = now;
    }
    if (!this.timing) return;
    const elapsed = now - this.start;
    if (elapsed >= this.PT) {
      this.Q = false;
      this.ET = this.PT;
      this.timing = false;
    } else this.ET = elapsed;
  }
}

/** Pulse: a rising IN starts a pulse of exactly PT; IN is ignored while the pulse runs. */
class Tp {
  IN = false;
  PT = 0;
  Q = false;
  ET = 0;
  private start = 0;
  private pulsing = false;
  private prevIn = false;
  run(now: number): void {
    if (!this.pulsing && this.IN && !this.prevIn) {
      this.pulsing = true;
      this.start = now;
    }
    this.prevIn = this.IN;
    if (this.pulsing) {
      const elapsed = now - this.start;
      if (elapsed >= this.PT) {
        this.pulsing = false;
        this.Q = false;
        this.ET = this.PT;
      } else {
        this.Q = true;
        this.ET = elapsed;
      }
    }
    // After the pulse ET holds PT while IN stays TRUE, and returns to 0 once IN is FALSE.
    if (!this.pulsing && !this.IN) this.ET = 0;
  }
}

/** Rising edge: Q is TRUE for the one call where CLK went FALSE → TRUE (M starts FALSE). */
class RTrig {
  CLK = false;
  Q = false;
  private m = false;
  run(): void {
    this.Q = this.CLK && !this.m;
    this.m = this.CLK;
  }
}

/**
 * Falling edge: Q is TRUE for the one call where CLK went TRUE → FALSE. The memory starts as
 * "CLK was FALSE", so a CLK that is FALSE from the first scan never fires (the common runtime
 * choice; the ed. 2 text would fire once on the first call).
 */
class FTrig {
  CLK = false;
  Q = false;
  private m = false;
  run(): void {
    this.Q = !this.CLK && this.m;
    this.m = this.CLK;
  }
}

/** Up counter: each rising CU adds one (up to 32767); R clears; Q = CV >= PV. */
class Ctu {
  CU = false;
  R = false;
  PV = 0;
  Q = false;
  CV = 0;
  private m = false;
  run(): void {
    const rising = this.CU && !this.m;
    this.m = this.CU;
    if (this.R) this.CV = 0;
    else if (rising && this.CV < CV_MAX) this.CV++;
    this.Q = this.CV >= this.PV;
  }
}

/** Down counter: LD loads PV; each rising CD subtracts one (down to -32768); Q = CV <= 0. */
class Ctd {
  CD = false;
  LD = false;
  PV = 0;
  Q = false;
  CV = 0;
  private m = false;
  run(): void {
    const rising = this.CD && !this.m;
    this.m = this.CD;
    if (this.LD) this.CV = this.PV;
    else if (rising && this.CV > CV_MIN) this.CV--;
    this.Q = this.CV <= 0;
  }
}

/** Up-down counter: R beats LD beats counting; simultaneous CU and CD edges cancel. */
class Ctud {
  CU = false;
  CD = false;
  R = false;
  LD = false;
  PV = 0;
  QU = false;
  QD = false;
  CV = 0;
  private mu = false;
  private md = false;
  run(): void {
    const up = this.CU && !this.mu;
    const down = this.CD && !this.md;
    this.mu = this.CU;
    this.md = this.CD;
    if (this.R) this.CV = 0;
    else if (this.LD) this.CV = this.PV;
    else if (up && !down) {
      if (this.CV < CV_MAX) this.CV++;
    } else if (down && !up) {
      if (this.CV > CV_MIN) this.CV--;
    }
    this.QU = this.CV >= this.PV;
    this.QD = this.CV <= 0;
  }
}

/** Set-dominant bistable: Q1 := SET1 OR (NOT RESET AND Q1). */
class Sr {
  SET1 = false;
  RESET = false;
  Q1 = false;
  run(): void {
    this.Q1 = this.SET1 || (!this.RESET && this.Q1);
  }
}

/** Reset-dominant bistable: Q1 := NOT RESET1 AND (SET OR Q1). */
class Rs {
  SET = false;
  RESET1 = false;
  Q1 = false;
  run(): void {
    this.Q1 = !this.RESET1 && (this.SET || this.Q1);
  }
}

const timer = { IN: "BOOL", PT: "TIME" } as const;
const timerOut = { Q: "BOOL", ET: "TIME" } as const;

const types: BlockType[] = [
  { name: "TON", inputs: timer, outputs: timerOut, create: () => new Ton() as unknown as BlockInstance },
  { name: "TOF", inputs: timer, outputs: timerOut, create: () => new Tof() as unknown as BlockInstance },
  { name: "TP", inputs: timer, outputs: timerOut, create: () => new Tp() as unknown as BlockInstance },
  { name: "R_TRIG", inputs: { CLK: "BOOL" }, outputs: { Q: "BOOL" }, create: () => new RTrig() as unknown as BlockInstance },
  { name: "F_TRIG", inputs: { CLK: "BOOL" }, outputs: { Q: "BOOL" }, create: () => new FTrig() as unknown as BlockInstance },
  { name: "CTU", inputs: { CU: "BOOL", R: "BOOL", PV: "INT" }, outputs: { Q: "BOOL", CV: "INT" }, create: () => new Ctu() as unknown as BlockInstance },
  { name: "CTD", inputs: { CD: "BOOL", LD: "BOOL", PV: "INT" }, outputs: { Q: "BOOL", CV: "INT" }, create: () => new Ctd() as unknown as BlockInstance },
  {
    name: "CTUD",
    inputs: { CU: "BOOL", CD: "BOOL", R: "BOOL", LD: "BOOL", PV: "INT" },
    outputs: { QU: "BOOL", QD: "BOOL", CV: "INT" },
    create: () => new Ctud() as unknown as BlockInstance,
  },
  { name: "SR", inputs: { SET1: "BOOL", RESET: "BOOL" }, outputs: { Q1: "BOOL" }, create: () => new Sr() as unknown as BlockInstance },
  { name: "RS", inputs: { SET: "BOOL", RESET1: "BOOL" }, outputs: { Q1: "BOOL" }, create: () => new Rs() as unknown as BlockInstance },
];

/** The standard function blocks by upper-case name. */
export const BLOCK_TYPES: ReadonlyMap<string, BlockType> = new Map(types.map((t) => [t.name, t]));
