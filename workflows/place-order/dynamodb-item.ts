/**
 * A JSONata function, `$toDynamoItem(value)`, that turns a JSON object into DynamoDB's attribute-value map
 * (strings `S`, numbers `N`, booleans `BOOL`, null `NULL`, arrays `L`, objects `M`; an undefined
 * value leaves its key out). Step Functions has no
 * marshaller, and the order has nested, optional parts (items, address, notes) that a fixed attribute list
 * cannot express. Arrays are wrapped in `[...]` so a one-element list stays a list.
 */
export const TO_DYNAMO_ITEM_FUNCTION = `$toDynamoValue := function($v) {(
    $t := $type($v);
    $t = 'string' ? {'S': $v} :
    $t = 'number' ? {'N': $string($v)} :
    $t = 'boolean' ? {'BOOL': $v} :
    $t = 'null' ? {'NULL': true} :
    $t = 'array' ? {'L': [$map($v, $toDynamoValue)]} :
    $t = 'object' ? {'M': $merge([{}, $each($v, function($value, $key) {{$key: $toDynamoValue($value)}})])} :
    undefined
  )};
  $toDynamoItem := function($object) { $toDynamoValue($object).M };`;

/** A JSONata expression (without `{% %}`) that marshals the value of `expression` into a DynamoDB item. */
export function toDynamoItem(expression: string): string {
  return `(${TO_DYNAMO_ITEM_FUNCTION} $toDynamoItem(${expression}))`;
}
