/** parse-prometheus-text-format ships no types; the e2e tests read gauge and counter samples only. */
declare module 'parse-prometheus-text-format' {
  const parse: (text: string) => {
    name: string;
    type: string;
    metrics: { value?: string; labels?: Record<string, string>; count?: string }[];
  }[];
  export default parse;
}
