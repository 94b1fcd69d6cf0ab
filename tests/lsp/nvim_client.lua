-- Drives `steward lsp` from Neovim's own LSP client, headless (test_nvim.py runs it): opens a
-- module of a copied pack, types an error in normal and insert mode, reads the diagnostics
-- back, formats a messy buffer, and opens an agreement to read its reasons. Results go to
-- $LSP_OUT as JSON; Neovim always quits.
local steward, module, agreement, out =
  os.getenv('STEWARD'), os.getenv('LSP_MODULE'), os.getenv('LSP_AGREEMENT'), os.getenv('LSP_OUT')
local results = {}
local function record(name, ok, detail)
  table.insert(results, { name = name, ok = ok and true or false, detail = vim.inspect(detail) })
end

local publishes = {}
local default = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  publishes[result.uri] = (publishes[result.uri] or 0) + 1
  return default(err, result, ctx, config)
end

local function published(path, after)
  local uri = vim.uri_from_fname(path)
  return vim.wait(15000, function() return (publishes[uri] or 0) > after end, 20)
end

local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(module))
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.start_client({ name = 'steward', cmd = { steward, 'lsp' },
    root_dir = vim.fn.fnamemodify(module, ':h') })
  vim.lsp.buf_attach_client(buf, client)
  record('the shipped module is published', published(module, 0), publishes)
  record('with no diagnostics', #vim.diagnostic.get(buf) == 0, vim.diagnostic.get(buf))

  local original = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local seen = publishes[vim.uri_from_fname(module)]
  -- Type a rule that names a definition nobody declared, as an author would.
  vim.cmd('normal! Go')
  vim.cmd('normal! orule typo_rule {')
  vim.cmd('normal! o  when no_such_definition')
  vim.cmd('normal! o  deny "x"')
  vim.cmd('normal! o}')
  local got = vim.wait(15000, function()
    return #vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR }) > 0
  end, 20)
  local errors = vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR })
  record('the typed error is shown', got, errors)
  local at_line = false
  for _, d in ipairs(errors) do
    if d.lnum >= #original and d.source == 'steward' and d.code ~= nil then at_line = true end
  end
  record('at the typed lines, with a code', at_line, errors)

  -- Mended by undo: the diagnostics go.
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, original)
  vim.wait(15000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
  record('mended, they go', #vim.diagnostic.get(buf) == 0, vim.diagnostic.get(buf))

  -- Formatting a messy buffer gives back the canonical text.
  for i, line in ipairs(original) do
    if line:match('^rule ') then
      vim.api.nvim_buf_set_lines(buf, i - 1, i, false, { (line:gsub('^rule ', 'rule     ')) })
      break
    end
  end
  vim.lsp.buf.formatting_sync(nil, 10000)
  record('formatting restores the canonical layout',
    vim.deep_equal(vim.api.nvim_buf_get_lines(buf, 0, -1, false), original), nil)

  -- Hover and go to definition on a definition used in the module.
  local row, col
  for i, line in ipairs(original) do
    local at = line:find('consent_scope', 1, true)
    if at and line:match('^  when:') then row, col = i - 1, at + 1 break end
  end
  local params = { textDocument = { uri = vim.uri_from_fname(module) },
                   position = { line = row, character = col } }
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 10000)
  local value = hover and hover[client] and hover[client].result and hover[client].result.contents.value
  record('hover names the definition and its type', value and value:find('consent_scope`: bool', 1, true), hover)
  local def = vim.lsp.buf_request_sync(buf, 'textDocument/definition', params, 10000)
  local target = def and def[client] and def[client].result
  record('go to definition lands on the let', target and target.uri:match('terms%.policy$')
    and target.range.start.character == 4, def)

  -- Completion after a dot, typed in insert mode.
  vim.cmd('normal! Go  when: legal_basis.')
  local last = vim.api.nvim_buf_line_count(buf)
  local typed = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1]
  vim.wait(500)
  local items = vim.lsp.buf_request_sync(buf, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_fname(module) },
    position = { line = last - 1, character = #typed } }, 10000)
  local labels = {}
  local list = items and items[client] and items[client].result
  for _, item in ipairs(list and (list.items or list) or {}) do labels[item.label] = true end
  record('completion offers the fields after a dot', labels['kind'] and labels['citation'], labels)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, original)

  -- An agreement: its reasons as diagnostics at the lines they point at.
  vim.cmd('edit ' .. vim.fn.fnameescape(agreement))
  local abuf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(abuf, client)
  record('the agreement is decided', published(agreement, 0), publishes)
  local channel = nil
  for i, line in ipairs(vim.api.nvim_buf_get_lines(abuf, 0, -1, false)) do
    if line:match('^request_channel') then channel = i - 1 end
  end
  local deny_at_channel = false
  for _, d in ipairs(vim.diagnostic.get(abuf, { severity = vim.diagnostic.severity.ERROR })) do
    if d.lnum == channel and d.message:match('^deny:') then deny_at_channel = true end
  end
  record('a deny at the request_channel line', deny_at_channel, vim.diagnostic.get(abuf))
  vim.lsp.stop_client(client)
end

local ok, err = pcall(run)
if not ok then record('the script ran', false, err) end
local f = io.open(out, 'w')
f:write(vim.fn.json_encode(results))
f:close()
vim.cmd('qa!')
