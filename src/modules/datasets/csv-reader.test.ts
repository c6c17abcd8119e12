// The import's CSV tokenizer against csv-parse (what it replaced) on the same texts cut into pieces at
// every position, and its number parsing against Number().
import { parse } from 'csv-parse/sync';
import { CsvReader, parseReading, type CsvRow } from './csv-reader';
import { ImportFileError } from './import-errors';

function read(pieces: string[], delimiter = ','): { values: string[]; line: number }[] {
  const reader = new CsvReader(delimiter, 'test.csv');
  const records: { values: string[]; line: number }[] = [];
  const collect = (row: CsvRow) => records.push({ values: row.texts(), line: row.line });
  for (const piece of pieces) {
    reader.push(piece);
    reader.read(collect, false);
  }
  reader.push('');
  reader.read(collect, true);
  return records;
}

function csvParse(text: string, delimiter = ','): { values: string[]; line: number }[] {
  const records = parse(text, { delimiter, info: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as unknown as {
    record: string[];
    info: { lines: number };
  }[];
  return records.map(({ record, info }) => ({ values: record, line: info.lines }));
}

const TEXTS = [
  'asset,cycle,s1\nA,1,0.5\nA,2,-1e3\n',
  'asset,cycle,s1\r\nA,1,0.5\r\n\r\nA,2,7\r\n',
  '\ufeffa;b\n1;2',
  'a,b\n"x, ""quoted""\nacross lines",2\n\n\n"",3\n',
  'a,b\rc,d\r\re,f',
  'a,b\n,\n ,x\n1,\n',
  'name,value\n"tab\there",1\n"é",ü\n',
];

describe('CsvReader', () => {
  it.each(TEXTS.map((text) => [JSON.stringify(text), text]))('reads %s as csv-parse does, however it is cut', (_, text) => {
    const delimiter = text.includes(';') ? ';' : ',';
    const expected = csvParse(text, delimiter);
    expect(read([text], delimiter)).toEqual(expected);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(read([text.slice(0, cut), text.slice(cut)], delimiter)).toEqual(expected);
    }
    expect(read([...text], delimiter)).toEqual(expected);
  });

  it.each([
    ['a,b\n"open,2\n', 2, 1, /not closed/],
    ['a,b\n"x"y,2\n', 2, 1, /followed by a delimiter/],
    ['a,b\n1,x"y\n', 2, 2, /quote/],
  ])('refuses %j at its line and column', (text, line, column, message) => {
    let error: unknown;
    try {
      read([text]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ImportFileError);
    expect(error).toMatchObject({ line, column, message: expect.stringMatching(message) });
  });

  it('parses readings to the same doubles as Number(), and refuses what parseReading refuses', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const tokens = [
      '0',
      '-0',
      '+5',
      '5.',
      '.5',
      '.',
      '-',
      '',
      '1.2.3',
      '1e5',
      ' 2.5 ',
      'NaN',
      'Infinity',
      '0x10',
      '123456789012345',
      '1234567890123456.7',
      '--1',
      '+-1',
      '1-',
      '-.5',
      '00012.50',
    ];
    for (let index = 0; index < 5000; index++) {
      const digits = Math.floor(random() * 17) + 1;
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 12);
      tokens.push(value.toFixed(Math.min(digits, 16)), value.toPrecision(digits), String(value));
    }
    const reader = new CsvReader(',', 'test.csv');
    reader.push(`${tokens.map((token) => token.replace(/,/g, '')).join(',')}\n`);
    reader.read((row) => {
      for (let index = 0; index < row.length; index++) {
        const token = row.text(index);
        const expected = Number.isNaN(parseReading(token)) ? parseReading(token.trim()) : parseReading(token);
        expect([token, row.reading(index)]).toEqual([token, expected]);
      }
    }, true);
  });
});
