/**
 * Not a test: measures how many scans per second the engine runs on fixtures/sorter.st at a
 * 10 ms cycle. Run with `npx tsx test/learn/st/measure-speed.ts [seconds-of-wall-time]`.
 */
import { readFileSync } from "node:fs";
import { compileProgram } from "../../../worker/learn/st/index.ts";

const file = new URL("./fixtures/sorter.st", import.meta.url);
const program = compileProgram(readFileSync(file, "utf8"), "sorter.st");
const instance = program.createInstance();
const budgetMs = Number(process.argv[2] ?? 2) * 1000;
const cycleMs = 10;
let t = 0;
let scans = 0;
const started = performance.now();
while (performance.now() - started < budgetMs) {
  for (let k = 0; k < 1000; k++) {
    // A plant's worth of input traffic: a box arrives every 4 s, is tall every other time.
    const phase = t % 4000;
    instance.setInput("Start", t >= 100 && t < 200);
    instance.setInput("Pallet_sensor", phase > 500 && phase < 1500);
    instance.setInput("High_sensor", phase > 600 && phase < 1400 && (t / 4000) % 2 < 1);
    instance.setInput("At_left_exit", phase > 2500 && phase < 2700);
    instance.setInput("At_right_exit", phase > 3000 && phase < 3200);
    instance.scan(t);
    t += cycleMs;
    scans++;
  }
}
const wallS = (performance.now() - started) / 1000;
const perS = scans / wallS;
console.log(`${scans} scans in ${wallS.toFixed(2)} s: ${Math.round(perS).toLocaleString("en-US")} scans/s, ` +
  `${Math.round((perS * cycleMs) / 1000).toLocaleString("en-US")}x realtime at a ${cycleMs} ms cycle (Counter = ${instance.get("Counter")})`);
