-- wrk script: POST a ~100 byte JSON document to /echo (the server sends it back).
wrk.method = "POST"
wrk.path = "/echo"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"id":12345,"name":"krozen bench","tags":["fast","json"],"active":true,"score":98.6,"note":"hello"}'
