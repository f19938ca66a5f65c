-- wrk script: GET /json with the 14 fields a browser sends for a script (~640 B head): the http-browser
-- suite, where the HTTP head parser's cost shows (bench/README.md, HTTP head parser).
wrk.method = "GET"
wrk.path = "/json"
wrk.headers["Connection"] = "keep-alive"
wrk.headers["sec-ch-ua"] = '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'
wrk.headers["sec-ch-ua-mobile"] = "?0"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.headers["sec-ch-ua-platform"] = '"Linux"'
wrk.headers["Accept"] = "*/*"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Sec-Fetch-Mode"] = "no-cors"
wrk.headers["Sec-Fetch-Dest"] = "script"
wrk.headers["Referer"] = "https://www.example.com/products/list?page=2"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9,de;q=0.8"
wrk.headers["Cookie"] = "session=5b8f2c1e9a7d4f3b; theme=dark; _ga=GA1.2.1234567890.1700000000"
