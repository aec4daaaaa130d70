// Whisper's languages in token order (<|en|> first), with the names users type for them: the
// English name, and for the common ones their Chinese and native names, as VideoCaptioner accepts.

interface LanguageEntry {
  code: string;
  english: string;
  /** Other names: Chinese, native, common variants. */
  aliases?: string[];
}

const LANGUAGES: readonly LanguageEntry[] = [
  { code: 'en', english: 'english', aliases: ['英语', '英文', 'English'] },
  { code: 'zh', english: 'chinese', aliases: ['中文', '汉语', '漢語', '普通话', '简体中文', '繁体中文', '繁體中文', 'mandarin'] },
  { code: 'de', english: 'german', aliases: ['德语', 'deutsch'] },
  { code: 'es', english: 'spanish', aliases: ['西班牙语', 'español', 'castilian'] },
  { code: 'ru', english: 'russian', aliases: ['俄语', 'русский'] },
  { code: 'ko', english: 'korean', aliases: ['韩语', '韓語', '한국어'] },
  { code: 'fr', english: 'french', aliases: ['法语', 'français'] },
  { code: 'ja', english: 'japanese', aliases: ['日语', '日文', '日本語'] },
  { code: 'pt', english: 'portuguese', aliases: ['葡萄牙语', 'português'] },
  { code: 'tr', english: 'turkish', aliases: ['土耳其语', 'türkçe'] },
  { code: 'pl', english: 'polish', aliases: ['波兰语', 'polski'] },
  { code: 'ca', english: 'catalan', aliases: ['加泰罗尼亚语', 'català', 'valencian'] },
  { code: 'nl', english: 'dutch', aliases: ['荷兰语', 'nederlands', 'flemish'] },
  { code: 'ar', english: 'arabic', aliases: ['阿拉伯语', 'العربية'] },
  { code: 'sv', english: 'swedish', aliases: ['瑞典语', 'svenska'] },
  { code: 'it', english: 'italian', aliases: ['意大利语', 'italiano'] },
  { code: 'id', english: 'indonesian', aliases: ['印尼语', '印度尼西亚语', 'bahasa indonesia'] },
  { code: 'hi', english: 'hindi', aliases: ['印地语', 'हिन्दी'] },
  { code: 'fi', english: 'finnish', aliases: ['芬兰语', 'suomi'] },
  { code: 'vi', english: 'vietnamese', aliases: ['越南语', 'tiếng việt'] },
  { code: 'he', english: 'hebrew', aliases: ['希伯来语', 'עברית'] },
  { code: 'uk', english: 'ukrainian', aliases: ['乌克兰语', 'українська'] },
  { code: 'el', english: 'greek', aliases: ['希腊语', 'ελληνικά'] },
  { code: 'ms', english: 'malay', aliases: ['马来语', 'bahasa melayu'] },
  { code: 'cs', english: 'czech', aliases: ['捷克语', 'čeština'] },
  { code: 'ro', english: 'romanian', aliases: ['罗马尼亚语', 'română', 'moldavian', 'moldovan'] },
  { code: 'da', english: 'danish', aliases: ['丹麦语', 'dansk'] },
  { code: 'hu', english: 'hungarian', aliases: ['匈牙利语', 'magyar'] },
  { code: 'ta', english: 'tamil', aliases: ['泰米尔语'] },
  { code: 'no', english: 'norwegian', aliases: ['挪威语', 'norsk'] },
  { code: 'th', english: 'thai', aliases: ['泰语', 'ไทย'] },
  { code: 'ur', english: 'urdu', aliases: ['乌尔都语'] },
  { code: 'hr', english: 'croatian', aliases: ['克罗地亚语', 'hrvatski'] },
  { code: 'bg', english: 'bulgarian', aliases: ['保加利亚语'] },
  { code: 'lt', english: 'lithuanian', aliases: ['立陶宛语'] },
  { code: 'la', english: 'latin', aliases: ['拉丁语'] },
  { code: 'mi', english: 'maori' },
  { code: 'ml', english: 'malayalam' },
  { code: 'cy', english: 'welsh' },
  { code: 'sk', english: 'slovak', aliases: ['斯洛伐克语'] },
  { code: 'te', english: 'telugu' },
  { code: 'fa', english: 'persian', aliases: ['波斯语', 'فارسی'] },
  { code: 'lv', english: 'latvian' },
  { code: 'bn', english: 'bengali', aliases: ['孟加拉语'] },
  { code: 'sr', english: 'serbian', aliases: ['塞尔维亚语'] },
  { code: 'az', english: 'azerbaijani' },
  { code: 'sl', english: 'slovenian' },
  { code: 'kn', english: 'kannada' },
  { code: 'et', english: 'estonian' },
  { code: 'mk', english: 'macedonian' },
  { code: 'br', english: 'breton' },
  { code: 'eu', english: 'basque' },
  { code: 'is', english: 'icelandic' },
  { code: 'hy', english: 'armenian' },
  { code: 'ne', english: 'nepali' },
  { code: 'mn', english: 'mongolian', aliases: ['蒙古语'] },
  { code: 'bs', english: 'bosnian' },
  { code: 'kk', english: 'kazakh', aliases: ['哈萨克语'] },
  { code: 'sq', english: 'albanian' },
  { code: 'sw', english: 'swahili' },
  { code: 'gl', english: 'galician' },
  { code: 'mr', english: 'marathi' },
  { code: 'pa', english: 'punjabi', aliases: ['panjabi'] },
  { code: 'si', english: 'sinhala', aliases: ['sinhalese'] },
  { code: 'km', english: 'khmer', aliases: ['高棉语'] },
  { code: 'sn', english: 'shona' },
  { code: 'yo', english: 'yoruba' },
  { code: 'so', english: 'somali' },
  { code: 'af', english: 'afrikaans' },
  { code: 'oc', english: 'occitan' },
  { code: 'ka', english: 'georgian' },
  { code: 'be', english: 'belarusian' },
  { code: 'tg', english: 'tajik' },
  { code: 'sd', english: 'sindhi' },
  { code: 'gu', english: 'gujarati' },
  { code: 'am', english: 'amharic' },
  { code: 'yi', english: 'yiddish' },
  { code: 'lo', english: 'lao', aliases: ['老挝语'] },
  { code: 'uz', english: 'uzbek' },
  { code: 'fo', english: 'faroese' },
  { code: 'ht', english: 'haitian creole', aliases: ['haitian'] },
  { code: 'ps', english: 'pashto', aliases: ['pushto'] },
  { code: 'tk', english: 'turkmen' },
  { code: 'nn', english: 'nynorsk' },
  { code: 'mt', english: 'maltese' },
  { code: 'sa', english: 'sanskrit' },
  { code: 'lb', english: 'luxembourgish', aliases: ['letzeburgesch'] },
  { code: 'my', english: 'myanmar', aliases: ['burmese', '缅甸语'] },
  { code: 'bo', english: 'tibetan', aliases: ['藏语'] },
  { code: 'tl', english: 'tagalog', aliases: ['他加禄语', 'filipino'] },
  { code: 'mg', english: 'malagasy' },
  { code: 'as', english: 'assamese' },
  { code: 'tt', english: 'tatar' },
  { code: 'haw', english: 'hawaiian' },
  { code: 'ln', english: 'lingala' },
  { code: 'ha', english: 'hausa' },
  { code: 'ba', english: 'bashkir' },
  { code: 'jw', english: 'javanese', aliases: ['jv'] },
  { code: 'su', english: 'sundanese' },
  // Only in large-v3 and later (51866 tokens).
  { code: 'yue', english: 'cantonese', aliases: ['粤语', '粵語', '廣東話', '广东话'] },
];

/** Language codes in Whisper's token order; models with 51865 tokens know the first 99. */
export const WHISPER_LANGUAGE_CODES: readonly string[] = LANGUAGES.map((l) => l.code);

const byName = new Map<string, string>();
for (const { code, english, aliases } of LANGUAGES) {
  for (const name of [code, english, ...(aliases ?? [])]) byName.set(name.toLowerCase(), code);
}

export class UnknownLanguageError extends Error {
  override name = 'UnknownLanguageError';
}

/**
 * Turns what a user or the master passed as `language` into a Whisper code, or null for automatic
 * detection ("Auto", "自动", empty). Accepts codes, `<|xx|>` tokens, English, Chinese and native names.
 */
export function resolveLanguage(input: string | null | undefined): string | null {
  const value = (input ?? '').trim();
  if (value === '' || /^(auto|automatic|detect|自动|自动检测|自動)$/i.test(value)) return null;
  const token = /^<\|(.+)\|>$/.exec(value);
  const key = (token ? token[1]! : value).toLowerCase();
  const code = byName.get(key) ?? byName.get(key.split(/[-_]/)[0]!);
  if (!code) throw new UnknownLanguageError(`Unknown language '${input}': use an ISO code (en, zh, ja …), an English or Chinese name, or Auto.`);
  return code;
}

export function languageName(code: string): string {
  return LANGUAGES.find((l) => l.code === code)?.english ?? code;
}
