// Reference tokenization for the parity tests: encodes every record of INPUT with
// @lenml/tokenizers (a JavaScript port of the Hugging Face tokenizer pipeline).
//   node tokenize.js ORACLE_DIR TOKENIZER_JSON TOKENIZER_CONFIG INPUT OUTPUT [SPECIAL_OUTPUT N]
// INPUT: records of [uint32 little-endian byte length][UTF-8 bytes] (invalid bytes are
// decoded as U+FFFD, like any UTF-8 reader). OUTPUT: one line per record, its token
// ids separated by spaces. Special tokens in the text are parsed. SPECIAL_OUTPUT: the
// same for the first N records with the post-processor's special tokens (BOS etc.)
// added (one run: loading a big tokenizer.json takes node seconds).
"use strict";
const fs = require("fs");
const path = require("path");

const [oracleDir, tokenizerJson, tokenizerConfig, inputPath, outputPath, specialPath, specialCount] =
  process.argv.slice(2);
if (!outputPath || (specialPath !== undefined && !(Number(specialCount) >= 0))) {
  console.error("usage: node tokenize.js ORACLE_DIR TOKENIZER_JSON TOKENIZER_CONFIG INPUT OUTPUT [SPECIAL_OUTPUT N]");
  process.exit(2);
}
const { TokenizerLoader } = require(path.join(oracleDir, "node_modules", "@lenml", "tokenizers"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(tokenizerJson, "utf8")),
  tokenizerConfig: JSON.parse(fs.readFileSync(tokenizerConfig, "utf8")),
});

const input = fs.readFileSync(inputPath);
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const lines = [];
const special = [];
for (let pos = 0; pos < input.length; ) {
  if (pos + 4 > input.length) throw new Error("truncated record header at byte " + pos);
  const len = input.readUInt32LE(pos);
  pos += 4;
  if (pos + len > input.length) throw new Error("truncated record at byte " + pos);
  const text = decoder.decode(input.subarray(pos, pos + len));
  pos += len;
  lines.push(tokenizer.encode(text, { add_special_tokens: false }).join(" "));
  if (specialPath !== undefined && special.length < Number(specialCount))
    special.push(tokenizer.encode(text, { add_special_tokens: true }).join(" "));
}
const write = (path, rows) => fs.writeFileSync(path, rows.join("\n") + (rows.length ? "\n" : ""));
write(outputPath, lines);
if (specialPath !== undefined) write(specialPath, special);
