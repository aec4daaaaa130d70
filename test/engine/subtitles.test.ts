import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCues, formatSrt, parseSrt, splitSentences, SubtitleParseError, textWidth, wrapText } from '../../worker/pipeline/subtitles.js';

describe('SRT', () => {
  const cues = [
    { start: 0, end: 1.5, text: 'Hello there.' },
    { start: 61.007, end: 3725.999, text: 'Two lines,\nof text.' },
    { start: 3726, end: 3727.25, text: '中文字幕' },
  ];

  test('writes the format exactly', () => {
    assert.equal(
      formatSrt(cues),
      '1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n00:01:01,007 --> 01:02:05,999\nTwo lines,\nof text.\n\n3\n01:02:06,000 --> 01:02:07,250\n中文字幕\n',
    );
  });

  test('round trip: parse(format(cues)) gives the cues, format(parse(text)) gives the text', () => {
    const text = formatSrt(cues);
    assert.deepEqual(parseSrt(text), cues);
    assert.equal(formatSrt(parseSrt(text)), text);
  });

  test('reads CRLF, a BOM and dot milliseconds', () => {
    assert.deepEqual(parseSrt('\ufeff1\r\n00:00:01.5 --> 00:00:02,000\r\nHi\r\n\r\n'), [{ start: 1.5, end: 2, text: 'Hi' }]);
  });

  test('bad input names the line', () => {
    assert.throws(() => parseSrt('1\n00:00:01,000 -> 00:00:02,000\nx\n'), (e: Error) => e instanceof SubtitleParseError && /line 2: expected 'start --> end'/.test(e.message));
    assert.throws(() => parseSrt('one\n'), /line 1: expected a cue number/);
    assert.throws(() => parseSrt('1\n00:00:aa,000 --> 00:00:02,000\n'), /line 2: '00:00:aa,000' is not an SRT time/);
  });
});

describe('cue layout', () => {
  test('CJK characters count two columns', () => {
    assert.equal(textWidth('abc'), 3);
    assert.equal(textWidth('字幕'), 4);
    assert.equal(textWidth('日本語とEnglish'), 15);
  });

  test('lines stay within 42 columns, breaking at spaces or between CJK characters', () => {
    const english = wrapText('The quick brown fox jumps over the lazy dog and keeps running far away into the hills', 42);
    assert.ok(english.every((l) => textWidth(l) <= 42), JSON.stringify(english));
    assert.equal(english.join(' '), 'The quick brown fox jumps over the lazy dog and keeps running far away into the hills');
    const chinese = wrapText('这是一个很长的中文句子用来测试字幕在没有空格的情况下如何按照显示宽度换行', 42);
    assert.ok(chinese.every((l) => textWidth(l) <= 42), JSON.stringify(chinese));
    assert.equal(chinese.join(''), '这是一个很长的中文句子用来测试字幕在没有空格的情况下如何按照显示宽度换行');
    assert.equal(textWidth(chinese[0]!), 42);
  });

  test('sentences split after their end marks', () => {
    assert.deepEqual(splitSentences('One. Two! Three? 四。五！'), ['One.', 'Two!', 'Three?', '四。', '五！']);
  });

  test('segments become cues of at most two lines, time shared by width', () => {
    const long = 'This first sentence is short. The second one is a great deal longer and will certainly need more than two lines of forty-two columns to fit on the screen at all.';
    const cues = buildCues([{ start: 10, end: 20, text: long }]);
    assert.ok(cues.length >= 3);
    for (const cue of cues) {
      const lines = cue.text.split('\n');
      assert.ok(lines.length <= 2 && lines.every((l) => textWidth(l) <= 42), JSON.stringify(cue));
    }
    assert.equal(cues[0]!.text, 'This first sentence is short.');
    assert.equal(cues[0]!.start, 10);
    assert.equal(cues.at(-1)!.end, 20);
    for (let i = 1; i < cues.length; i++) assert.equal(cues[i]!.start, cues[i - 1]!.end, 'cues follow each other');
    assert.equal(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' '), long);
  });
});
