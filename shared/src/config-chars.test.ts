import { describe, expect, it } from 'vitest';
import {
  checkPropertiesValue,
  checkYamlValue,
  configValueProblems,
  propertiesValueSchema,
  yamlValueSchema,
  type ConfigFormat,
} from './config-chars.js';

describe('config file characters, per format (issue 16 #2)', () => {
  it.each<[scenario: string, format: ConfigFormat, value: string]>([
    ['yaml: plain ASCII', 'yaml', 'rack_one, r2: "x"'],
    ['yaml: Latin-1 letters (U+00A0–U+00FF)', 'yaml', 'café à la crème'],
    ['yaml: CJK (below U+D7FF)', 'yaml', 'ラック'],
    ['yaml: private use (U+E000–U+FFFD)', 'yaml', '\ue000\ufffd'],
    ['yaml: astral plane (U+10000–U+10FFFF)', 'yaml', 'rack-😀'],
    ['properties: printable ASCII', 'properties', 'PLAINTEXT://a:9092,x=y #not a comment'],
    ['properties: inner spaces', 'properties', 'stat, conf'],
  ])('accepted: %s', (_s, format, value) => {
    expect(configValueProblems(format, value)).toEqual([]);
  });

  it.each<[scenario: string, format: ConfigFormat, value: string, message: RegExp]>([
    // SnakeYAML's StreamReader refuses the whole file: the service does not start.
    ['yaml: C1 control U+0080', 'yaml', 'a\u0080b', /U\+0080: SnakeYAML .* refuses to load/],
    ['yaml: C1 control U+009F', 'yaml', 'a\u009fb', /U\+009F: SnakeYAML/],
    ['yaml: non-character U+FFFE', 'yaml', 'a\ufffeb', /U\+FFFE: SnakeYAML/],
    ['yaml: non-character U+FFFF', 'yaml', 'a\uffffb', /U\+FFFF: SnakeYAML/],
    ['yaml: unpaired surrogate', 'yaml', 'a\ud800b', /U\+D800: SnakeYAML/],
    // Printable for SnakeYAML, but line breaks even in a quoted scalar.
    ['yaml: NEL U+0085', 'yaml', 'a\u0085b', /line breaks \(found U\+0085/],
    ['yaml: line separator U+2028', 'yaml', 'a\u2028b', /line or paragraph separators/],
    ['yaml: newline', 'yaml', 'a\nb: c', /newlines/],
    ['yaml: byte order mark', 'yaml', '\ufeffa', /byte order mark/],
    ['yaml: tab', 'yaml', 'a\tb', /control characters \(found U\+0009\)/],
    ['yaml: backslash', 'yaml', 'a\\nb', /backslash/],
    // .properties files are read as ISO 8859-1: anything outside printable ASCII changes.
    ['properties: newline', 'properties', '3\nbroker.id=9', /newlines/],
    ['properties: DEL', 'properties', 'a\u007f', /control characters \(found U\+007F\)/],
    ['properties: Latin-1 letter', 'properties', 'café', /printable ASCII: .* ISO 8859-1, so U\+00E9/],
    ['properties: C1 control', 'properties', 'a\u0080', /U\+0080/],
    ['properties: U+FFFF', 'properties', 'a\uffff', /U\+FFFF/],
    ['properties: backslash', 'properties', 'delete\\', /backslash/],
    ['properties: leading space', 'properties', ' x', /start or end with a space/],
    ['properties: trailing space', 'properties', 'x ', /start or end with a space/],
  ])('refused: %s', (_s, format, value, message) => {
    const problems = configValueProblems(format, value);
    expect(problems.join('\n')).toMatch(message);
  });

  it('names the field, one problem per kind of character', () => {
    expect(checkYamlValue('settings.x', 'a\u0080\u0081\u2028')).toEqual([
      { path: 'settings.x', message: expect.stringMatching(/U\+0080, U\+0081: SnakeYAML/) },
      { path: 'settings.x', message: expect.stringMatching(/U\+2028/) },
    ]);
    expect(checkPropertiesValue('settings.y', 'é')).toEqual([
      { path: 'settings.y', message: expect.stringMatching(/ISO 8859-1/) },
    ]);
  });

  it('the wire schemas apply the same rules', () => {
    expect(yamlValueSchema.safeParse('a\u0080').success).toBe(false);
    expect(yamlValueSchema.safeParse('café').success).toBe(true);
    expect(propertiesValueSchema.safeParse('café').success).toBe(false);
    expect(propertiesValueSchema.safeParse('PLAINTEXT://a:9092').success).toBe(true);
  });
});
