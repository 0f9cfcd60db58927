// A watch quick app page, written against Vela's @system.interconnect
// exactly as it would be on the watch: it reports a step count to its
// phone app every second while connected, and shows what the phone sends.
import interconnect from '@system.interconnect'

export default {
  steps: 0,
  onInit () {
    const conn = interconnect.instance()
    conn.onopen = (data) => {
      console.log(`[watch] connection opened, isReconnected: ${data.isReconnected}`)
      this.timer = setInterval(() => this.report(conn), 1000)
    }
    conn.onclose = (data) => {
      console.log(`[watch] connection closed, reason = ${data.data}, code = ${data.code}`)
      clearInterval(this.timer)
    }
    conn.onerror = (data) => console.log(`[watch] connection error, errMsg = ${data.data}, errCode = ${data.code}`)
    conn.onmessage = (data) => {
      const msg = JSON.parse(data.data)
      console.log(`[watch] received message: ${data.data}`)
      if (this.onReply) this.onReply(msg)
    }
    conn.diagnosis({
      timeout: 10000,
      success: (data) => console.log(`[watch] diagnosis status = ${data.status}`),
      fail: (data, code) => console.log(`[watch] diagnosis fail, code = ${code}`)
    })
  },
  report (conn) {
    this.steps += 17
    conn.send({
      data: { type: 'steps', steps: this.steps },
      success: () => console.log(`[watch] sent steps = ${this.steps}`),
      fail: (data, code) => console.log(`[watch] send fail, errMsg = ${data.data}, errCode = ${code}`)
    })
  }
}
