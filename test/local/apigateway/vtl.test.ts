import { escapeJavaScript, newOverrides, renderTemplate, urlEncode } from '../../../local/apigateway/vtl.ts';

const render = (template: string, body = '{}', params = { path: {}, querystring: {}, header: {} }) =>
  renderTemplate(template, {
    input: { body, params },
    context: { requestId: 'req-1', ...newOverrides() },
    stageVariables: { env: 'dev' },
  });

describe('mapping templates', () => {
  it('embeds a JSON body as an escaped string that parses back to the body', () => {
    const body = JSON.stringify({ quote: 'say "hi"', path: 'a/b', line: 'x\ny', uni: 'é' });
    const out = render('{"Detail":"$util.escapeJavaScript($input.json(\'$\'))"}', body);
    expect(JSON.parse(JSON.parse(out).Detail)).toEqual(JSON.parse(body));
  });

  it('selects with $input.path and $input.json', () => {
    const out = render(
      "$input.path('$.items[1].id') $input.json('$.items[0]') $input.path('$.items').size()",
      '{"items":[{"id":"a"},{"id":"b"}]}',
    );
    expect(out).toBe('b {"id":"a"} 2');
  });

  it('finds $input.params by name in path, then query string, then header (case-insensitively)', () => {
    const params = { path: { id: 'p' }, querystring: { q: 'qs', id: 'shadowed' }, header: { 'X-Trace': 'h' } };
    expect(
      render("$input.params('id') $input.params('q') $input.params('x-trace') [$input.params('none')]", '{}', params),
    ).toBe('p qs h []');
    expect(
      render("$input.params().header.get('X-Trace') $input.params().querystring.keySet().size()", '{}', params),
    ).toBe('h 2');
  });

  it('supports the Java string methods templates use', () => {
    const out = render(
      '#set($s = $input.path(\'$.s\'))$s.length() $s.toUpperCase() $s.replaceAll("[aeiou]", "_") $s.replace("l", "L") $s.contains("ell") $s.equals("hello") $s.substring(1, 3) $s.isEmpty()',
      '{"s":"hello"}',
    );
    expect(out).toBe('5 HELLO h_ll_ heLLo true true el false');
  });

  it('offers $util url and base64 helpers with Java semantics', () => {
    expect(render('$util.urlEncode("a b&c/é")')).toBe('a+b%26c%2F%C3%A9');
    expect(render('$util.urlDecode("a+b%26c")')).toBe('a b&c');
    expect(render('$util.base64Decode($util.base64Encode("hé"))')).toBe('hé');
    expect(render('$util.parseJson(\'{"a":[1,2]}\').a.size()')).toBe('2');
  });

  it('escapes like StringEscapeUtils.escapeJavaScript (single quotes included)', () => {
    expect(escapeJavaScript(`it's "x"\t/`)).toBe(`it\\'s \\"x\\"\\t\\/`);
    expect(urlEncode('*-._~')).toBe('*-._%7E');
  });

  it('renders undefined references as nothing, as API Gateway does', () => {
    expect(render("[$input.path('$.missing')][$context.authorizer.email][$nothing]")).toBe('[][][]');
    expect(render("#if($input.path('$.missing'))set#{else}unset#end")).toBe('unset');
  });

  it('exposes $context and $stageVariables, and records responseOverride', () => {
    const context = { requestId: 'req-9', authorizer: { claims: { sub: 'u1' } }, ...newOverrides() };
    const out = renderTemplate(
      '$context.requestId $context.authorizer.claims.sub $stageVariables.env#set($context.responseOverride.status = 201)#set($context.responseOverride.header.Location = "/x")',
      { context, stageVariables: { env: 'dev' } },
    );
    expect(out).toBe('req-9 u1 dev');
    expect(context.responseOverride).toEqual({ status: 201, header: { Location: '/x' } });
  });
});
