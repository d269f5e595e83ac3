/**
 * Rewrites of graphql-js 16 validation and variable-coercion messages that name schema types,
 * parent types, argument or input-field names the client never wrote. Tools such as clairvoyance
 * rebuild a schema from exactly these words with introspection off, so production answers with the
 * names the client sent and nothing else. Each entry: the message graphql-js writes → ours.
 */
const REWRITES: readonly [RegExp, string][] = [
  [/^Cannot query field ("[^"]*") on type "[^"]*"\./, "Cannot query field $1 on this type."],
  [
    /^Field ("[^"]*") must not have a selection since type "[^"]*" has no subfields\./,
    "Field $1 must not have a selection.",
  ],
  [
    /^Field ("[^"]*") of type "[^"]*" must have a selection of subfields\..*$/s,
    "Field $1 must have a selection of subfields.",
  ],
  [/^Unknown argument ("[^"]*") on field "(?:[^".]*\.)?([^"]*)"\./, 'Unknown argument $1 on field "$2".'],
  [
    /^(Field|Directive) ("[^"]*") argument "[^"]*" of type "[^"]*" is required, but it was not provided\./,
    "$1 $2 is missing a required argument.",
  ],
  [/^Expected value of type "[^"]*", found (.*?)(?:; .*)?$/s, "Invalid value $1"],
  [/^Field "[^"]*" of required type "[^"]*" was not provided\./, "A required input field was not provided."],
  [/^Field ("[^"]*") is not defined by type "[^"]*"\..*$/s, "Field $1 is not defined by this input type."],
  [/^Enum "[^"]*" cannot represent non-enum value: (.*?)\..*$/s, "Invalid enum value: $1."],
  [/^Value ("[^"]*") does not exist in "[^"]*" enum\..*$/s, "Value $1 does not exist in this enum."],
  [
    /^Variable ("\$[^"]*") of type ("[^"]*") used in position expecting type "[^"]*"\./,
    "Variable $1 of type $2 is not allowed in this position.",
  ],
  [
    /^Fragment (?:("[^"]*") )?cannot be spread here as objects of type "[^"]*" can never be of type "[^"]*"\./,
    "Fragment $1 cannot be spread here.",
  ],
  [
    /^Fields ("[^"]*") conflict because .*$/s,
    "Fields $1 conflict. Use different aliases on the fields to fetch both if this was intentional.",
  ],
  [/^OneOf Input Object "[^"]*" must specify exactly one key\./, "A OneOf input object must specify exactly one key."],
  [/^Variable ("\$[^"]*") got invalid value .*$/s, "Variable $1 got an invalid value."],
];

// A safety net for messages not listed above: parent types and schema coordinates ("Type.field").
const TYPE_PHRASE = /\b(on|by|of|in) (?:required |non-null )?type "[^"]*"/g;
const COORDINATE = /"[_A-Za-z][_0-9A-Za-z]*\.([_A-Za-z][_0-9A-Za-z]*)"/g;

/** A validation or coercion message with the schema's own names taken out (production). */
export function maskSchemaDetails(message: string): string {
  for (const [pattern, replacement] of REWRITES) {
    if (pattern.test(message)) return message.replace(pattern, replacement).replace(/ {2,}/g, " ");
  }
  return message.replace(TYPE_PHRASE, "$1 this type").replace(COORDINATE, '"$1"');
}
