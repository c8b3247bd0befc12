// Vite's `?raw` imports: the fixture's exact bytes as a string (what GitHub signed).
declare module "*?raw" {
  const text: string;
  export default text;
}
