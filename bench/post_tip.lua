-- wrk script: POST a ~600-byte tip, each with its own Idempotency-Key.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local body = '{"description":"羊二庄镇某砖厂使用童工，约有五六个孩子，看起来不到十六岁，每天干活十几个小时，' ..
  '老板把工人的身份证都收走了，晚上有人看守不让出门，工资几个月没发。厂子在村东头，' ..
  '旁边有个大烟囱。请尽快来查。","violation_types":["child_labour","id_document_detention",' ..
  '"restriction_of_liberty","wage_arrears"],"employer_name":"某砖厂","address":"羊二庄镇东村东头"}'

function request()
   counter = counter + 1
   local headers = {}
   headers["Content-Type"] = "application/json"
   headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", os.time(), tid or 0, counter)
   return wrk.format("POST", nil, headers, body)
end
