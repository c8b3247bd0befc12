/**
 * Deliberately wrong programs fail on the criterion that names their mistake: the tasks'
 * scenarios exercise every mode, so a wrong program cannot pass by luck.
 */
import { describe, expect, it } from "vitest";
import { outcome, variant } from "./helpers.ts";

describe("From A to B: wrong programs fail on the named criterion", () => {
  it("no seal-in: the conveyor stops when Start is released", async () => {
    expect(await outcome("conveyor-start-stop", variant("conveyor-start-stop", [["Conveyor := (Start OR Conveyor) AND Stop;", "Conveyor := Start AND Stop;"]]))).toBe("start-seals-in");
  });

  it("Stop read as normally open: the conveyor never starts", async () => {
    expect(await outcome("conveyor-start-stop", variant("conveyor-start-stop", [["AND Stop;", "AND NOT Stop;"]]))).toBe("start-seals-in");
  });

  it("Stop ignored: the conveyor keeps running while Stop is held", async () => {
    expect(await outcome("conveyor-start-stop", variant("conveyor-start-stop", [["Conveyor := (Start OR Conveyor) AND Stop;", "Conveyor := Start OR Conveyor;"]]))).toBe("no-run-while-stop-held");
  });

  it("Stop acts only while held: the conveyor runs again when Stop is released", async () => {
    const src = variant("conveyor-start-stop", [
      ["END_VAR\n\nConveyor := (Start OR Conveyor) AND Stop;", "END_VAR\nVAR\n  Latched : BOOL;\nEND_VAR\n\nLatched := Start OR Latched;\nConveyor := Latched AND Stop;"],
    ]);
    expect(await outcome("conveyor-start-stop", src)).toBe("stop-stops");
  });

  it("lights swapped", async () => {
    const src = variant("conveyor-start-stop", [["Start_light := Conveyor;", "Start_light := NOT Conveyor;"], ["Stop_light := NOT Conveyor;", "Stop_light := Conveyor;"]]);
    expect(await outcome("conveyor-start-stop", src)).toBe("start-light-shows-running");
  });

  it("emitter left on while stopped", async () => {
    expect(await outcome("conveyor-deliver-parts", variant("conveyor-deliver-parts", [["Emitter := Running;", "Emitter := TRUE;"]]))).toBe("emitter-follows-conveyor");
  });

  it("no inspection pause at B", async () => {
    expect(await outcome("conveyor-inspect-at-end", variant("conveyor-inspect-at-end", [["Conveyor := Running AND NOT Inspection.Q;", "Conveyor := Running;"]]))).toBe("pause-at-exit");
  });

  it("counter that ignores Reset", async () => {
    expect(await outcome("count-deliveries", variant("count-deliveries", [["R := Reset", "R := FALSE"]]))).toBe("counter-counts-deliveries");
  });

  it("emergency stop ignored", async () => {
    const src = variant("emergency-stop-reset", [["Running := (Start OR Running) AND Stop AND Emergency_stop AND NOT Fault;", "Running := (Start OR Running) AND Stop;"]]);
    expect(await outcome("emergency-stop-reset", src)).toBe("estop-stops-conveyor");
  });

  it("emergency stop not latched: no reset needed", async () => {
    const src = variant("emergency-stop-reset", [["IF NOT Emergency_stop THEN\n  Fault := TRUE;\nELSIF Reset THEN\n  Fault := FALSE;\nEND_IF;", "Fault := NOT Emergency_stop;"]]);
    expect(await outcome("emergency-stop-reset", src)).toBe("reset-light-after-estop");
  });

  it("Start honoured while a reset is pending", async () => {
    const src = variant("emergency-stop-reset", [["AND Emergency_stop AND NOT Fault;", "AND Emergency_stop;"]]);
    expect(await outcome("emergency-stop-reset", src)).toBe("no-restart-before-reset");
  });
});

describe("Sorting by Height (Basic): wrong programs fail on the named criterion", () => {
  it("wrong exit: tall boxes sent left", async () => {
    expect(await outcome("sort-by-height", variant("sort-by-height", [["Tall := High_sensor;", "Tall := NOT High_sensor;"]]))).toBe("sorted-by-height");
  });

  it("sideways move cut short: the box is left straddling the transfer", async () => {
    expect(await outcome("transfer-all-left", variant("transfer-all-left", [["IF At_left_entry THEN", "IF NOT Loaded THEN"]]))).toBe("all-go-left");
  });

  it("loading while the transfer still moves a box sideways", async () => {
    expect(await outcome("transfer-all-left", variant("transfer-all-left", [["Load := Step = 1;", "Load := Step >= 1;"]]))).toBe("no-load-while-transferring");
  });

  it("emergency stop ignored", async () => {
    const src = variant("sort-by-height-panel", [["Motion := Emergency_stop AND NOT Fault;", "Motion := TRUE;"], ["  Fault := TRUE;\n  Running := FALSE;", "  Fault := FALSE;"]]);
    expect(await outcome("sort-by-height-panel", src)).toBe("estop-stops-motion");
  });

  it("counter counts boxes entering the exit conveyors instead of leaving them", async () => {
    const src = variant("sort-by-height-panel", [["LeftOut(CLK := At_left_exit);", "LeftOut(CLK := At_left_entry);"], ["RightOut(CLK := At_right_exit);", "RightOut(CLK := At_right_entry);"]]);
    expect(await outcome("sort-by-height-panel", src)).toBe("counter-counts-boxes-out");
  });

  it("sequence forgotten on emergency stop: the box on the transfer is never finished", async () => {
    const src = variant("sort-by-height-panel", [["  Fault := TRUE;\n  Running := FALSE;", "  Fault := TRUE;\n  Running := FALSE;\n  Step := 0;"]]);
    expect(await outcome("sort-by-height-panel", src)).toBe("sorted-by-height");
  });

  it("Reset clears the counter while running", async () => {
    expect(await outcome("sort-by-height-panel", variant("sort-by-height-panel", [["IF ResetPressed.Q AND NOT Running THEN", "IF ResetPressed.Q THEN"]]))).toBe("counter-counts-boxes-out");
  });
});

describe("Level Control: wrong programs fail on the named criterion", () => {
  it("no level limit: the tank overfills", async () => {
    expect(await outcome("tank-fill-to-level", variant("tank-fill-to-level", [[" AND Level_meter < 8.0;", ";"]]))).toBe("no-overfill");
  });

  it("a proportional valve where on/off control was asked", async () => {
    const src = variant("tank-hysteresis", [["IF Running AND Filling THEN\n  Fill_valve := 10.0;", "IF Running THEN\n  Fill_valve := LIMIT(0.0, (6.0 - Level_meter) * 5.0, 10.0);"]]);
    expect(await outcome("tank-hysteresis", src)).toBe("on-off-only");
  });

  it("P-only control leaves an offset", async () => {
    expect(await outcome("tank-setpoint-control", variant("tank-setpoint-control", [["Integral := Integral + Ki * Error * Dt;", "Integral := 0.0;"]]))).toBe("settles-at-5");
  });

  it("emergency stop ignored", async () => {
    const src = variant("tank-setpoint-control", [["Running := (Start OR Running) AND Stop AND Emergency_stop AND NOT Fault;", "Running := (Start OR Running) AND Stop;"]]);
    expect(await outcome("tank-setpoint-control", src)).toBe("estop-closes-valves");
  });
});
