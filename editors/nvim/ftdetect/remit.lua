-- Remit: `.remit` files get the `remit` filetype.
--
-- Neovim 0.8+ reads `vim.filetype.add`; Neovim 0.7 (which only consults it
-- with `g:do_filetype_lua`) gets the classic autocommand as well. Setting the
-- filetype twice is harmless: `setfiletype` only acts once per buffer.
if vim.filetype and vim.filetype.add then
  vim.filetype.add({ extension = { remit = 'remit' } })
end

local group = vim.api.nvim_create_augroup('remit_ftdetect', { clear = true })
vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group,
  pattern = '*.remit',
  command = 'setfiletype remit',
})
